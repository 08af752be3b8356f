/*
 * driftmap — the history store test cases, run unchanged against every
 * backend: test_history.c (SQLite file) and test_history_pg.c (a PostgreSQL
 * server the test starts). A backend fixture gives fresh stores and a raw
 * row counter (to prove that no half-written run and no orphan row exist).
 *
 * Include after testutil.h; define the fixture, then list HISTORY_CASES in
 * the cmocka group whose group state is the fixture.
 */
#ifndef DM_HISTORY_CASES_H
#define DM_HISTORY_CASES_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "history_internal.h"

typedef struct hfix {
	const char *name;
	/* a URL of a new, empty store (malloc'd) */
	char *(*fresh_url)(struct hfix *fx);
	/* the single integer result of SQL on the store at url; -1 on failure */
	long long (*count)(struct hfix *fx, const char *url, const char *sql);
	void *ud;
	unsigned seq;
} hfix;

#define DAY 86400LL
#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

typedef struct hf {
	const char *fp, *kind, *severity, *type, *rid, *detail;
} hf;

static dm_ctx *hc_ctx(void)
{
	dm_ctx *ctx = NULL;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	return ctx;
}

static json_t *hc_time(long long t)
{
	char buf[32];
	dm__rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *hc_finding(const hf *f, const char *account)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:n,s:s}]}", "fingerprint",
			 f->fp, "kind", f->kind, "severity", f->severity, "provider", "aws", "type",
			 f->type, "resource_id", f->rid, "account", account, "region", "us-east-1",
			 "changes", "path", "tags.Env", "op", "replace", "state", "live", f->detail);
}

/* A driftmap.report/v1 document. */
static json_t *hc_drift_report(long long started, const char *uri, const char *account,
			       const hf *fs, size_t n, long long managed, long long unmanaged,
			       long long missing, long long changed, double coverage)
{
	json_t *drift = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(drift, hc_finding(&fs[i], account));
	return json_pack("{s:s,s:{s:s,s:s},s:o,s:o,s:{s:[{s:s,s:s}],s:[{s:s,s:s,s:s,s:b}]},"
			 "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:b},s:o,s:[],s:[]}",
			 "schema", "driftmap.report/v1", "tool", "name", "driftmap", "version", "0.1.0",
			 "started_at", hc_time(started), "finished_at", hc_time(started + 60),
			 "sources", "state", "uri", uri, "commit", "abc123", "live", "provider", "aws",
			 "account", account, "region", "us-east-1", "complete", 1, "summary",
			 "managed", (json_int_t)managed, "in_sync", (json_int_t)(managed - missing - changed),
			 "unmanaged", (json_int_t)unmanaged, "missing", (json_int_t)missing, "changed",
			 (json_int_t)changed, "ignored", (json_int_t)0, "coverage", coverage, "complete", 1,
			 "drift", drift, "ignored", "incomplete");
}

/* A driftmap.posture/v1 document with a segmentation matrix. */
static json_t *hc_posture_report(long long started, const char *account, const hf *fs, size_t n,
				 json_t *pairs)
{
	json_t *findings = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(findings,
				      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "fingerprint",
						fs[i].fp, "rule", fs[i].kind, "severity", fs[i].severity,
						"type", fs[i].type, "resource_id", fs[i].rid, "account",
						account, "region", "us-east-1", "muted", 0));
	return json_pack("{s:s,s:o,s:o,s:{s:[{s:s,s:s,s:s,s:b}]},s:{s:I,s:I},s:o,"
			 "s:{s:[s,s],s:o}}",
			 "schema", DM_POSTURE_SCHEMA, "started_at", hc_time(started), "finished_at",
			 hc_time(started + 5), "sources", "live", "provider", "aws", "account", account,
			 "region", "us-east-1", "complete", 1, "summary", "findings", (json_int_t)n,
			 "muted", (json_int_t)0, "findings", findings, "segmentation", "tiers", "web",
			 "db", "pairs", pairs);
}

static dm_history *hc_open(dm_ctx *ctx, const char *url)
{
	dm_history *h = NULL;
	int rc = dm_history_open(&h, ctx, url);
	if (rc != 0)
		fail_msg("open %s: %s", url, dm_ctx_last_error(ctx));
	return h;
}

static long long hc_record(dm_history *h, dm_history_kind kind, json_t *rep, json_t *inv)
{
	long long id = 0;
	int rc = dm_history_record_json(h, kind, rep, inv, &id);
	json_decref(rep);
	json_decref(inv);
	assert_int_equal(rc, 0);
	assert_true(id > 0);
	return id;
}

static json_t *hc_inventory(const char *const *ids, size_t n)
{
	json_t *res = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "provider", "aws",
						     "type", "aws_vpc", "id", ids[i], "account", "111",
						     "region", "us-east-1", "attributes", "id", ids[i]));
	return json_pack("{s:{s:s,s:o,s:[],s:[]}}", "live", "schema", "driftmap.inventory/v1",
			 "resources", res, "scopes", "sources");
}

static const hf RUN_A[] = {
	{"f1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unmanaged", "high", "aws_security_group", "sg-1", "x"},
	{"f2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "changed", "medium", "aws_vpc", "vpc-2", "old"},
	{"f3aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "missing", "low", "aws_subnet", "subnet-3", "x"},
};
static const hf RUN_B[] = {
	{"f2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "changed", "medium", "aws_vpc", "vpc-2", "new"},
	{"f3aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "missing", "low", "aws_subnet", "subnet-3", "x"},
	{"f4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unmanaged", "critical", "aws_iam_role", "admin", "x"},
};

/* ---- cases --------------------------------------------------------------------- */

static void test_history__migrates_an_empty_store(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *list = NULL;

	assert_int_equal(dm_history_schema_version(h), DM_HISTORY_SCHEMA_VERSION);
	assert_string_equal(dm_history_backend(h), fx->name);
	assert_int_equal(dm_history_list(h, NULL, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 0);
	assert_true(json_integer_value(json_object_get(json_object_get(list, "store"), "bytes")) > 0);
	json_decref(list);
	dm_history_free(h);
	/* reopening applies nothing twice */
	h = hc_open(ctx, url);
	assert_int_equal(dm_history_schema_version(h), DM_HISTORY_SCHEMA_VERSION);
	dm_history_free(h);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM schema_version"),
			 DM_HISTORY_SCHEMA_VERSION);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__migrates_from_v1_keeping_runs(void **state)
{
	static const char *const ids[] = {"vpc-1"};
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = NULL;
	json_t *list = NULL, *rep = NULL, *inv = NULL, *orig;
	long long old_id, new_id;

	assert_int_equal(dm__history_open_version(&h, ctx, url, 1), 0);
	assert_int_equal(dm_history_schema_version(h), 1);
	orig = hc_drift_report(T0, "prod.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9);
	json_incref(orig);
	old_id = hc_record(h, DM_HISTORY_DRIFT, orig, hc_inventory(ids, 1));
	dm_history_free(h);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM schema_version"), 1);

	h = hc_open(ctx, url); /* v1 -> v2 */
	assert_int_equal(dm_history_schema_version(h), 2);
	assert_int_equal(fx->count(fx, url, "SELECT MAX(version) FROM schema_version"), 2);
	assert_int_equal(dm_history_show(h, old_id, &rep, &inv), 0);
	assert_true(json_equal(rep, orig));
	assert_true(json_is_null(inv)); /* recorded before the snapshot column existed */
	json_decref(rep);
	json_decref(inv);
	new_id = hc_record(h, DM_HISTORY_DRIFT,
			   hc_drift_report(T0 + DAY, "prod.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9),
			   hc_inventory(ids, 1));
	assert_int_equal(dm_history_show(h, new_id, NULL, &inv), 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_object_get(inv, "live"), "resources"), 0),
				    "id")),
			    "vpc-1");
	json_decref(inv);
	assert_int_equal(dm_history_list(h, NULL, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 2);
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(list, "runs"), 1),
						  "has_inventory")));
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(list, "runs"), 0),
						 "has_inventory")));
	json_decref(list);
	json_decref(orig);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__records_and_shows_a_run(void **state)
{
	static const char *const ids[] = {"vpc-1", "vpc-2"};
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *orig = hc_drift_report(T0, "git::repo//prod.tfstate?ref=main", "111", RUN_A, 3, 40, 2,
				       1, 1, 0.95);
	json_t *invo = hc_inventory(ids, 2), *rep = NULL, *inv = NULL, *list = NULL, *r;
	dm_history_filter f;
	long long id;

	json_incref(orig);
	json_incref(invo);
	id = hc_record(h, DM_HISTORY_DRIFT, orig, invo);
	assert_int_equal(dm_history_show(h, id, &rep, &inv), 0);
	assert_true(json_equal(rep, orig));
	assert_true(json_equal(inv, invo));
	json_decref(rep);
	json_decref(inv);
	assert_int_equal(dm_history_list(h, NULL, &list), 0);
	r = json_array_get(json_object_get(list, "runs"), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "drift");
	assert_string_equal(json_string_value(json_object_get(r, "started_at")), "2026-01-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(r, "source")),
			    "git::repo//prod.tfstate?ref=main");
	assert_int_equal(json_integer_value(json_object_get(r, "findings")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "drifted")), 4); /* 2 + 1 + 1 */
	assert_true(json_real_value(json_object_get(r, "coverage")) > 0.9499 &&
		    json_real_value(json_object_get(r, "coverage")) < 0.9501);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "by_severity"), "high")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "accounts"), 0)), "111");
	json_decref(list);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings"), 3);

	/* filters */
	memset(&f, 0, sizeof(f));
	f.account = "11";
	assert_int_equal(dm_history_list(h, &f, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 0); /* exact account */
	json_decref(list);
	f.account = "111";
	f.kind = DM_HISTORY_POSTURE;
	assert_int_equal(dm_history_list(h, &f, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 0);
	json_decref(list);
	f.kind = DM_HISTORY_DRIFT;
	f.source = "prod.tfstate";
	f.since = T0;
	f.until = T0 + 1;
	assert_int_equal(dm_history_list(h, &f, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 1);
	json_decref(list);
	f.since = T0 + 1;
	assert_int_equal(dm_history_list(h, &f, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "runs")), 0);
	json_decref(list);

	assert_int_equal(dm_history_show(h, id + 1000, &rep, NULL), DM_ENOTFOUND);
	assert_null(rep);
	json_decref(orig);
	json_decref(invo);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static const json_t *hc_find(const json_t *arr, const char *fp)
{
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e)
		if (strcmp(json_string_value(json_object_get(e, "fingerprint")), fp) == 0)
			return e;
	return NULL;
}

static long long hc_delta(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(o, k), "delta"));
}

static void test_history__compare_matches_hand_computed_result(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *c = NULL, *sum, *sev;
	const json_t *e;
	long long a, b, other;

	/* A: f1 high unmanaged, f2 medium changed(old), f3 low missing
	 * B: f2 changed(new), f3 same, f4 critical unmanaged
	 * => new {f4}, resolved {f1}, changed {f2}, unchanged {f3} */
	a = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "prod.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	other = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + DAY, "other.tfstate", "111", RUN_A, 1, 10, 1, 0, 0, 0.5), NULL);
	b = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 2 * DAY, "prod.tfstate", "111", RUN_B, 3, 42, 1, 1, 1, 0.95), NULL);
	assert_int_equal(dm_history_compare(h, a, b, 0, &c), 0);
	assert_string_equal(json_string_value(json_object_get(c, "schema")), DM_HISTORY_COMPARE_SCHEMA);
	assert_int_equal(json_array_size(json_object_get(c, "new")), 1);
	assert_int_equal(json_array_size(json_object_get(c, "resolved")), 1);
	assert_int_equal(json_array_size(json_object_get(c, "changed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "counts"), "unchanged")), 1);
	e = hc_find(json_object_get(c, "new"), RUN_B[2].fp);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(e, "resource_id")), "admin");
	assert_non_null(hc_find(json_object_get(c, "resolved"), RUN_A[0].fp));
	assert_non_null(hc_find(json_object_get(c, "changed"), RUN_A[1].fp));
	sum = json_object_get(c, "summary");
	assert_int_equal(hc_delta(sum, "managed"), 2);
	assert_int_equal(hc_delta(sum, "unmanaged"), 0);
	sev = json_object_get(c, "by_severity");
	assert_int_equal(hc_delta(sev, "critical"), 1);
	assert_int_equal(hc_delta(sev, "high"), -1);
	assert_int_equal(hc_delta(sev, "medium"), 0);
	assert_int_equal(hc_delta(c, "drifted"), 0); /* 3 -> 3 */
	{
		const json_t *cov = json_object_get(c, "coverage"), *series = json_object_get(cov, "series");
		double d = json_real_value(json_object_get(cov, "delta"));
		assert_true(d > 0.0499 && d < 0.0501);
		assert_int_equal(json_array_size(series), 2); /* the other source's run is not in it */
		assert_int_equal(json_integer_value(json_object_get(json_array_get(series, 0), "run")), a);
	}
	json_decref(c);

	/* reversed: new and resolved swap */
	assert_int_equal(dm_history_compare(h, b, a, 0, &c), 0);
	assert_non_null(hc_find(json_object_get(c, "new"), RUN_A[0].fp));
	assert_non_null(hc_find(json_object_get(c, "resolved"), RUN_B[2].fp));
	json_decref(c);
	/* a run against itself: nothing moved */
	assert_int_equal(dm_history_compare(h, a, a, 0, &c), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "counts"), "unchanged")), 3);
	assert_int_equal(json_array_size(json_object_get(c, "new")) + json_array_size(json_object_get(c, "resolved")) +
				 json_array_size(json_object_get(c, "changed")), 0);
	json_decref(c);
	assert_int_equal(dm_history_compare(h, a, 99999, 0, &c), DM_ENOTFOUND);
	(void)other;
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__compare_since_picks_the_baseline(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	dm_history_filter f;
	json_t *c = NULL;
	long long r0, r30, r100, id;

	r0 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "prod.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	r30 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 30 * DAY, "prod.tfstate", "111", RUN_A, 2, 40, 1, 0, 1, 0.9), NULL);
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 50 * DAY, "stage.tfstate", "222", RUN_B, 1, 40, 1, 0, 0, 0.9), NULL);
	r100 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 100 * DAY, "prod.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9), NULL);
	hc_record(h, DM_HISTORY_POSTURE, hc_posture_report(T0 + 200 * DAY, "111", RUN_A, 1, json_array()), NULL);

	memset(&f, 0, sizeof(f));
	f.kind = DM_HISTORY_DRIFT;
	f.source = "prod";
	assert_int_equal(dm_history_compare_since(h, &f, 90 * DAY, 0, &c), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(c, "runs"), "a"), "id")), r0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(c, "runs"), "b"), "id")), r100);
	json_decref(c);
	assert_int_equal(dm_history_compare_since(h, &f, 60 * DAY, 0, &c), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(c, "runs"), "a"), "id")), r30);
	json_decref(c);
	/* period longer than the history: the oldest run of that source */
	assert_int_equal(dm_history_compare_since(h, &f, 900 * DAY, 0, &c), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(c, "runs"), "a"), "id")), r0);
	json_decref(c);
	f.source = "nothing-like-this";
	assert_int_equal(dm_history_compare_since(h, &f, 90 * DAY, 0, &c), DM_ENOTFOUND);
	assert_null(c);
	/* resolve */
	memset(&f, 0, sizeof(f));
	f.kind = DM_HISTORY_DRIFT;
	assert_int_equal(dm_history_resolve_run(h, &f, "latest", &id), 0);
	assert_int_equal(id, r100);
	assert_int_equal(dm_history_resolve_run(h, &f, "latest~3", &id), 0);
	assert_int_equal(id, r0);
	assert_int_equal(dm_history_resolve_run(h, &f, "latest~4", &id), DM_ENOTFOUND);
	assert_int_equal(dm_history_resolve_run(h, &f, "abc", &id), DM_EINVAL);
	{
		char spec[32];
		snprintf(spec, sizeof(spec), "%lld", r30);
		assert_int_equal(dm_history_resolve_run(h, NULL, spec, &id), 0);
		assert_int_equal(id, r30);
	}
	/* kinds do not mix */
	assert_int_equal(dm_history_compare(h, r0, r100 + 1, 0, &c), DM_EINVAL);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__posture_compare_reports_segmentation_and_topology(void **state)
{
	static const char *const ids_a[] = {"vpc-1", "vpc-2"};
	static const char *const ids_b[] = {"vpc-2", "vpc-3"};
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *pa = json_pack("[{s:s,s:s,s:[{s:s,s:s}]}]", "from", "web", "to", "db", "allowed",
			       "protocol", "tcp", "ports", "5432");
	json_t *pb = json_pack("[{s:s,s:s,s:[{s:s,s:s}]}]", "from", "internet", "to", "db",
			       "allowed", "protocol", "tcp", "ports", "5432");
	json_t *c = NULL, *seg, *topo;
	long long a, b;

	a = hc_record(h, DM_HISTORY_POSTURE, hc_posture_report(T0, "111", RUN_A, 3, pa), hc_inventory(ids_a, 2));
	b = hc_record(h, DM_HISTORY_POSTURE, hc_posture_report(T0 + DAY, "111", RUN_B, 3, pb), hc_inventory(ids_b, 2));
	assert_int_equal(dm_history_compare(h, a, b, DM_HISTORY_CMP_DETAILS, &c), 0);
	assert_string_equal(json_string_value(json_object_get(c, "kind")), "posture");
	assert_int_equal(json_array_size(json_object_get(c, "new")), 1);
	seg = json_object_get(c, "segmentation");
	assert_int_equal(json_array_size(json_object_get(seg, "opened")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(seg, "opened"), 0), "from")), "internet");
	assert_int_equal(json_array_size(json_object_get(seg, "closed")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(seg, "closed"), 0), "from")), "web");
	topo = json_object_get(c, "topology");
	assert_int_equal(json_array_size(json_object_get(topo, "added")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(topo, "added"), 0), "id")), "vpc-3");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(topo, "removed"), 0), "id")), "vpc-1");
	json_decref(c);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static char *hc_render(dm_ctx *ctx, const json_t *doc, const char *format, int expect_rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dm_history_write(ctx, doc, format, f), expect_rc);
	fclose(f);
	return buf;
}

static void test_history__trend_renders_json_csv_and_svg(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *t = NULL, *c = NULL, *l = NULL;
	dm_history_filter f;
	char *out;
	long long r1, r3;

	r1 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "prod.tfstate", "111", RUN_A, 3, 40, 5, 1, 1, 0.8), NULL);
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 30 * DAY, "prod.tfstate", "111", RUN_A, 2, 40, 2, 1, 1, 0.9), NULL);
	r3 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 60 * DAY, "prod.tfstate", "111", RUN_B, 3, 40, 0, 0, 1, 1.0), NULL);
	memset(&f, 0, sizeof(f));
	f.kind = DM_HISTORY_DRIFT;
	assert_int_equal(dm_history_trend(h, &f, &t), 0);
	assert_int_equal(json_array_size(json_object_get(t, "runs")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(t, "runs"), 0), "id")), r1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(t, "runs"), 0), "drifted")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(t, "runs"), 2), "drifted")), 1);

	out = hc_render(ctx, t, "csv", 0);
	assert_non_null(strstr(out, "run,started_at,kind,source,complete,drifted,coverage,findings,critical,high,medium,low,info\n"));
	{
		char line[256];
		snprintf(line, sizeof(line), "%lld,2026-01-01T00:00:00Z,drift,prod.tfstate,true,7,0.8000,3,0,1,1,1,0\n", r1);
		assert_non_null(strstr(out, line));
	}
	free(out);
	out = hc_render(ctx, t, "svg", 0);
	assert_true(strncmp(out, "<svg ", 5) == 0);
	assert_non_null(strstr(out, "<polyline"));
	assert_non_null(strstr(out, "series-coverage"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "http://www.w3.org/1999/xlink"));
	free(out);
	out = hc_render(ctx, t, "text", 0);
	assert_non_null(strstr(out, "3 runs"));
	free(out);
	out = hc_render(ctx, t, "json", 0);
	assert_non_null(strstr(out, DM_HISTORY_TREND_SCHEMA));
	free(out);
	out = hc_render(ctx, t, "yaml", DM_EINVAL);
	free(out);

	assert_int_equal(dm_history_compare(h, r1, r3, 0, &c), 0);
	out = hc_render(ctx, c, "text", 0);
	assert_non_null(strstr(out, "findings: 1 new, 1 resolved, 1 changed, 1 unchanged"));
	assert_non_null(strstr(out, "coverage: 80.0% -> 100.0% (+20.0 pts) over 3 runs"));
	free(out);
	out = hc_render(ctx, c, "csv", 0);
	assert_non_null(strstr(out, "new,f4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,unmanaged,critical,"));
	free(out);
	out = hc_render(ctx, c, "svg", DM_EINVAL);
	free(out);
	assert_int_equal(dm_history_list(h, NULL, &l), 0);
	out = hc_render(ctx, l, "text", 0);
	assert_non_null(strstr(out, "3 runs; store "));
	free(out);
	json_decref(l);
	json_decref(c);
	json_decref(t);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__prune_keeps_newest_per_source(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	dm_history_prune_options o;
	json_t *l = NULL;
	size_t removed = 99;
	long long s1_0, s1_100, s1_500, s2_0, p_0;

	s1_0 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "s1.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	s1_100 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 100 * DAY, "s1.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	s1_500 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 500 * DAY, "s1.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9), NULL);
	s2_0 = hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "s2.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9), NULL);
	p_0 = hc_record(h, DM_HISTORY_POSTURE, hc_posture_report(T0 + 10 * DAY, "111", RUN_A, 2, json_array()), NULL);

	memset(&o, 0, sizeof(o));
	assert_int_equal(dm_history_prune(h, &o, &removed), DM_EINVAL);
	o.keep_seconds = 400 * DAY;
	o.now = T0 + 600 * DAY; /* cutoff: day 200 */
	o.dry_run = 1;
	assert_int_equal(dm_history_prune(h, &o, &removed), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM runs"), 5);
	o.dry_run = 0;
	assert_int_equal(dm_history_prune(h, &o, &removed), 0);
	assert_int_equal(removed, 2); /* s1 day 0 and day 100; s2 and posture are their source's newest */
	assert_int_equal(dm_history_list(h, NULL, &l), 0);
	assert_int_equal(json_array_size(json_object_get(l, "runs")), 3);
	json_decref(l);
	assert_int_equal(dm_history_show(h, s1_0, NULL, NULL), DM_ENOTFOUND);
	assert_int_equal(dm_history_show(h, s1_100, NULL, NULL), DM_ENOTFOUND);
	assert_int_equal(dm_history_show(h, s1_500, NULL, NULL), 0);
	assert_int_equal(dm_history_show(h, s2_0, NULL, NULL), 0);
	assert_int_equal(dm_history_show(h, p_0, NULL, NULL), 0);
	/* no orphan finding rows */
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings WHERE run_id NOT IN (SELECT id FROM runs)"), 0);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings"), 8);

	/* count rule: keep 1, but the newest run of each source survives */
	memset(&o, 0, sizeof(o));
	o.keep_count = 1;
	assert_int_equal(dm_history_prune(h, &o, &removed), 0);
	assert_int_equal(removed, 0);
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 501 * DAY, "s1.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9), NULL);
	assert_int_equal(dm_history_prune(h, &o, &removed), 0);
	assert_int_equal(removed, 1); /* s1 day 500 */
	assert_int_equal(dm_history_show(h, s1_500, NULL, NULL), DM_ENOTFOUND);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__first_seen_is_the_earliest_run(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	const char *fps[4] = {RUN_A[0].fp, RUN_B[2].fp, "never-seen", RUN_A[1].fp};
	long long when[4] = {-1, -1, -1, -1}, w = -1;

	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 10 * DAY, "prod.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 20 * DAY, "prod.tfstate", "111", RUN_B, 3, 40, 1, 1, 1, 0.9), NULL);
	/* recorded later but started earlier: started_at decides */
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 5 * DAY, "prod.tfstate", "111", RUN_A + 1, 1, 40, 1, 1, 1, 0.9), NULL);
	assert_int_equal(dm_history_first_seen(h, RUN_A[0].fp, &w), 0);
	assert_int_equal(w, T0 + 10 * DAY);
	assert_int_equal(dm_history_first_seen(h, "never-seen", &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(dm_history_first_seen_many(h, fps, 4, when), 0);
	assert_int_equal(when[0], T0 + 10 * DAY);
	assert_int_equal(when[1], T0 + 20 * DAY);
	assert_int_equal(when[2], 0);
	assert_int_equal(when[3], T0 + 5 * DAY);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void hc_die(void *ud)
{
	(void)ud;
	raise(SIGKILL);
}

static void test_history__killed_writer_leaves_no_half_run(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *l = NULL;
	hf many[200];
	char fps[200][33];
	pid_t pid;
	int st = 0;
	size_t i;

	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0, "prod.tfstate", "111", RUN_A, 3, 40, 1, 1, 1, 0.9), NULL);
	for (i = 0; i < 200; i++) {
		snprintf(fps[i], sizeof(fps[i]), "dead%028zu", i);
		many[i] = RUN_A[0];
		many[i].fp = fps[i];
	}
	dm_history_free(h);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dm_ctx *c2 = NULL;
		dm_history *h2 = NULL;
		if (dm_ctx_new(&c2) < 0 || dm_history_open(&h2, c2, url) < 0)
			_exit(3);
		dm__history_set_hook(h2, hc_die, NULL);
		dm_history_record_json(h2, DM_HISTORY_DRIFT,
				       hc_drift_report(T0 + DAY, "prod.tfstate", "111", many, 200, 40, 200, 0, 0, 0.1),
				       NULL, NULL);
		_exit(4); /* not reached: the hook kills the process before COMMIT */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	h = hc_open(ctx, url);
	assert_int_equal(dm_history_list(h, NULL, &l), 0);
	assert_int_equal(json_array_size(json_object_get(l, "runs")), 1);
	json_decref(l);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings"), 3);
	/* and the store still takes runs */
	hc_record(h, DM_HISTORY_DRIFT, hc_drift_report(T0 + 2 * DAY, "prod.tfstate", "111", many, 200, 40, 200, 0, 0, 0.1), NULL);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings"), 203);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

#define HC_PROCS 8
#define HC_RUNS 20
#define HC_FINDINGS 25

static void test_history__concurrent_writers_lose_no_run(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx); /* fresh: the writers also race on the migrations */
	dm_ctx *ctx = hc_ctx();
	dm_history *h;
	pid_t pids[HC_PROCS];
	int p, st;
	json_t *l = NULL, *r;
	size_t i;

	fflush(NULL);
	for (p = 0; p < HC_PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			dm_ctx *c2 = NULL;
			dm_history *h2 = NULL;
			int k, code = 0;
			if (dm_ctx_new(&c2) < 0 || dm_history_open(&h2, c2, url) < 0) {
				fprintf(stderr, "writer %d: %s\n", p, c2 ? dm_ctx_last_error(c2) : "ctx");
				_exit(3);
			}
			for (k = 0; k < HC_RUNS && code == 0; k++) {
				hf fs[HC_FINDINGS];
				char fps[HC_FINDINGS][33], uri[64];
				long long id = 0;
				int j;
				for (j = 0; j < HC_FINDINGS; j++) {
					snprintf(fps[j], sizeof(fps[j]), "p%02dr%02df%02d%023d", p, k, j, 0);
					fs[j] = RUN_A[j % 3];
					fs[j].fp = fps[j];
				}
				snprintf(uri, sizeof(uri), "writer-%d.tfstate", p);
				if (dm_history_record_json(h2, DM_HISTORY_DRIFT,
							   hc_drift_report(T0 + k * 60, uri, "111", fs, HC_FINDINGS, 40, 1, 1, 1, 0.9),
							   NULL, &id) < 0 || id <= 0) {
					fprintf(stderr, "writer %d run %d: %s\n", p, k, dm_ctx_last_error(c2));
					code = 4;
				}
			}
			dm_history_free(h2);
			dm_ctx_free(c2);
			_exit(code);
		}
	}
	for (p = 0; p < HC_PROCS; p++) {
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	h = hc_open(ctx, url);
	assert_int_equal(dm_history_list(h, NULL, &l), 0);
	assert_int_equal(json_array_size(json_object_get(l, "runs")), HC_PROCS * HC_RUNS);
	json_array_foreach(json_object_get(l, "runs"), i, r)
		assert_int_equal(json_integer_value(json_object_get(r, "findings")), HC_FINDINGS);
	json_decref(l);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM findings"), HC_PROCS * HC_RUNS * HC_FINDINGS);
	/* every run has all its rows */
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM (SELECT run_id FROM findings GROUP BY run_id HAVING COUNT(*) = 25) x"),
			 HC_PROCS * HC_RUNS);
	assert_int_equal(fx->count(fx, url, "SELECT COUNT(*) FROM schema_version"), DM_HISTORY_SCHEMA_VERSION);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

static void test_history__rejects_bad_input(void **state)
{
	hfix *fx = *state;
	char *url = fx->fresh_url(fx);
	dm_ctx *ctx = hc_ctx();
	dm_history *h = hc_open(ctx, url);
	json_t *rep = json_pack("{s:s}", "schema", "driftmap.report/v1");
	json_t *bad = json_pack("{s:s,s:[{s:s}]}", "schema", "driftmap.report/v1", "drift", "kind", "missing");
	long long id = 5;

	assert_int_equal(dm_history_record_json(h, DM_HISTORY_POSTURE, rep, NULL, &id), DM_EINVAL);
	assert_int_equal(id, 0);
	assert_int_equal(dm_history_record_json(h, DM_HISTORY_DRIFT, bad, NULL, &id), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "fingerprint"));
	/* an empty run is a run */
	assert_int_equal(dm_history_record_json(h, DM_HISTORY_DRIFT, rep, NULL, &id), 0);
	assert_true(id > 0);
	json_decref(rep);
	json_decref(bad);
	dm_history_free(h);
	dm_ctx_free(ctx);
	free(url);
}

#define HISTORY_CASES                                                        \
	cmocka_unit_test(test_history__migrates_an_empty_store),                 \
	cmocka_unit_test(test_history__migrates_from_v1_keeping_runs),           \
	cmocka_unit_test(test_history__records_and_shows_a_run),                 \
	cmocka_unit_test(test_history__compare_matches_hand_computed_result),    \
	cmocka_unit_test(test_history__compare_since_picks_the_baseline),        \
	cmocka_unit_test(test_history__posture_compare_reports_segmentation_and_topology), \
	cmocka_unit_test(test_history__trend_renders_json_csv_and_svg),          \
	cmocka_unit_test(test_history__prune_keeps_newest_per_source),           \
	cmocka_unit_test(test_history__first_seen_is_the_earliest_run),          \
	cmocka_unit_test(test_history__killed_writer_leaves_no_half_run),        \
	cmocka_unit_test(test_history__concurrent_writers_lose_no_run),          \
	cmocka_unit_test(test_history__rejects_bad_input)

#endif
