/*
 * bench_history — history store timings on one store URL:
 *   record a run of N findings (default 100,000) with an inventory snapshot
 *   of N resources, record a second run (10% of the findings new, 10%
 *   changed), compare the two, first-seen for all N fingerprints, and the
 *   store size added per run.
 *
 *   bench_history URL [N]        (built and run by bench/bench_history.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "driftmap/driftmap.h"
#include "driftmap/history.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static const char *const kinds[] = {"unmanaged", "missing", "changed"};
static const char *const sevs[] = {"low", "medium", "high", "critical", "info"};
static const char *const types[] = {"aws_security_group", "aws_subnet", "aws_vpc", "aws_route_table",
				    "aws_iam_role"};

static void fp_of(char out[33], size_t i, int gen)
{
	snprintf(out, 33, "%016zx%08x%08x", i * 2654435761u, (unsigned)(i ^ 0x5bd1e995u), (unsigned)gen);
}

/* run 0: findings 0..n-1; run 1: 10% replaced by new ones, 10% changed */
static json_t *make_report(size_t n, int run, long long started)
{
	json_t *drift = json_array();
	char fp[33], id[64], ts[32];
	size_t i;
	time_t t = (time_t)started;
	struct tm tm;

	for (i = 0; i < n; i++) {
		size_t k = i;
		int gen = 0;
		const char *kind = kinds[i % 3];
		if (run == 1 && i % 10 == 0) {
			k = i + n; /* new finding */
			gen = 1;
		}
		fp_of(fp, k, gen);
		snprintf(id, sizeof(id), "sg-%012zx", k);
		json_array_append_new(drift,
				      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:n,s:{s:s,s:i,s:i,s:[s]}}]}",
						"fingerprint", fp, "kind", kind, "severity", sevs[i % 5],
						"provider", "aws", "type", types[i % 5], "resource_id", id,
						"address", "module.net.aws_security_group.web", "state_uri",
						"git::https://git.example.com/infra.git//envs/prod/terraform.tfstate?ref=main",
						"commit", "4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e",
						"account", i % 2 ? "123456789012" : "210987654321", "region",
						i % 3 ? "us-east-1" : "eu-west-1", "changes", "path", "ingress",
						"op", "add", "state", "live", "protocol",
						"tcp", "from_port", (int)(run == 1 && i % 10 == 5 ? 443 : 22),
						"to_port", 22, "cidr_blocks", "0.0.0.0/0"));
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s,s:{s:s,s:s},s:s,s:s,s:{s:[{s:s,s:s}],s:[{s:s,s:s,s:s,s:b}]},"
			 "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:b},s:o,s:[],s:[]}",
			 "schema", "driftmap.report/v1", "tool", "name", "driftmap", "version", "0.1.0",
			 "started_at", ts, "finished_at", ts, "sources", "state", "uri",
			 "git::https://git.example.com/infra.git//envs/prod/terraform.tfstate?ref=main",
			 "commit", "4f1c2d3e", "live", "provider", "aws", "account", "123456789012",
			 "region", "us-east-1", "complete", 1, "summary", "managed", (json_int_t)(2 * n),
			 "in_sync", (json_int_t)n, "unmanaged", (json_int_t)(n / 3), "missing",
			 (json_int_t)(n / 3), "changed", (json_int_t)(n - 2 * (n / 3)), "ignored",
			 (json_int_t)0, "coverage", 0.857, "complete", 1, "drift", drift, "ignored",
			 "incomplete");
}

static json_t *make_inventory(size_t n)
{
	json_t *res = json_array();
	char id[64], cidr[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "sg-%012zx", i);
		snprintf(cidr, sizeof(cidr), "10.%zu.%zu.0/24", (i >> 8) & 255, i & 255);
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}}}",
						     "provider", "aws", "type", "aws_security_group", "id", id,
						     "account", "123456789012", "region", "us-east-1",
						     "attributes", "id", id, "vpc_id", "vpc-0abc", "cidr", cidr,
						     "tags", "Name", id, "Env", "prod"));
	}
	return json_pack("{s:{s:s,s:o,s:[],s:[]}}", "live", "schema", "driftmap.inventory/v1",
			 "resources", res, "scopes", "sources");
}

static long long store_bytes(dm_history *h)
{
	json_t *l = NULL;
	long long b = -1;

	if (dm_history_list(h, NULL, &l) == 0)
		b = json_integer_value(json_object_get(json_object_get(l, "store"), "bytes"));
	json_decref(l);
	return b;
}

static void log_cb(dm_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)ud;
	fprintf(stderr, "  %s\n", msg);
}

int main(int argc, char **argv)
{
	dm_ctx *ctx = NULL;
	dm_history *h = NULL;
	json_t *rep0, *rep1, *inv, *cmp = NULL;
	size_t n = 100000, i;
	long long id0 = 0, id1 = 0, size0, size1, size2, *when = NULL;
	const char **fps = NULL;
	double t, t_rec0, t_rec1, t_cmp, t_fs, t_rec_noinv, c, c_rec0, c_rec1, c_cmp, c_fs, c_rec_noinv;
	char (*fpbuf)[33] = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_history URL [N]\n");
		return 1;
	}
	if (argc > 2)
		n = strtoul(argv[2], NULL, 10);
	if (dm_ctx_new(&ctx) < 0 || dm_history_open(&h, ctx, argv[1]) < 0) {
		fprintf(stderr, "bench_history: %s\n", ctx ? dm_ctx_last_error(ctx) : "no context");
		return 1;
	}
	if (getenv("BENCH_VERBOSE"))
		dm_ctx_set_log(ctx, log_cb, NULL, DM_LOG_DEBUG);
	rep0 = make_report(n, 0, 1767225600LL);
	rep1 = make_report(n, 1, 1767225600LL + 90 * 86400);
	inv = make_inventory(n);
	size0 = store_bytes(h);

	t = now_ms();
	c = cpu_ms();
	if (dm_history_record_json(h, DM_HISTORY_DRIFT, rep0, inv, &id0) < 0)
		goto fail;
	t_rec0 = now_ms() - t;
	c_rec0 = cpu_ms() - c;
	size1 = store_bytes(h);
	t = now_ms();
	c = cpu_ms();
	if (dm_history_record_json(h, DM_HISTORY_DRIFT, rep1, inv, &id1) < 0)
		goto fail;
	t_rec1 = now_ms() - t;
	c_rec1 = cpu_ms() - c;
	size2 = store_bytes(h);
	t = now_ms();
	c = cpu_ms();
	if (dm_history_record_json(h, DM_HISTORY_DRIFT, rep1, NULL, NULL) < 0)
		goto fail;
	t_rec_noinv = now_ms() - t;
	c_rec_noinv = cpu_ms() - c;

	t = now_ms();
	c = cpu_ms();
	if (dm_history_compare(h, id0, id1, 0, &cmp) < 0)
		goto fail;
	t_cmp = now_ms() - t;
	c_cmp = cpu_ms() - c;

	fps = calloc(n, sizeof(*fps));
	fpbuf = calloc(n, sizeof(*fpbuf));
	when = calloc(n, sizeof(*when));
	for (i = 0; i < n; i++) {
		fp_of(fpbuf[i], i, 0);
		fps[i] = fpbuf[i];
	}
	t = now_ms();
	c = cpu_ms();
	if (dm_history_first_seen_many(h, fps, n, when) < 0)
		goto fail;
	t_fs = now_ms() - t;
	c_fs = cpu_ms() - c;

	printf("backend=%s findings=%zu\n", dm_history_backend(h), n);
	printf("record run A (findings + report + %zu-resource inventory): %.0f ms wall, %.0f ms CPU\n", n, t_rec0, c_rec0);
	printf("record run B (same, 10%% new, 10%% changed):             %.0f ms wall, %.0f ms CPU\n", t_rec1, c_rec1);
	printf("record run B without inventory snapshot:               %.0f ms wall, %.0f ms CPU\n", t_rec_noinv, c_rec_noinv);
	printf("compare A B: %.0f ms wall, %.0f ms CPU (new %lld, resolved %lld, changed %lld, unchanged %lld)\n", t_cmp, c_cmp,
	       (long long)json_integer_value(json_object_get(json_object_get(cmp, "counts"), "new")),
	       (long long)json_integer_value(json_object_get(json_object_get(cmp, "counts"), "resolved")),
	       (long long)json_integer_value(json_object_get(json_object_get(cmp, "counts"), "changed")),
	       (long long)json_integer_value(json_object_get(json_object_get(cmp, "counts"), "unchanged")));
	printf("first-seen for %zu fingerprints: %.0f ms wall, %.0f ms CPU\n", n, t_fs, c_fs);
	printf("store size: empty %lld B, +run A %lld B, +run B %lld B\n", size0, size1 - size0,
	       size2 - size1);
	json_decref(cmp);
	json_decref(rep0);
	json_decref(rep1);
	json_decref(inv);
	free(fps);
	free(fpbuf);
	free(when);
	dm_history_free(h);
	dm_ctx_free(ctx);
	return 0;
fail:
	fprintf(stderr, "bench_history: %s\n", dm_ctx_last_error(ctx));
	return 1;
}
