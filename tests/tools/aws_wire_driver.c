/*
 * aws_wire_driver — a small command-line driver of the AWS wire layer
 * (credentials, SigV4, the HTTP engine, STS, the S3 state source) used by
 * tests/integration/test_aws_wire.py against moto and tests/tools/faultproxy.py.
 * Built by that test with the static library of the build tree.
 *
 *   aws_wire_driver whoami                      account id (credential chain + STS)
 *   aws_wire_driver query SERVICE VERSION ACTION [N [CONC]]
 *                                               N concurrent Query calls; prints
 *                                               "ok=K failed=F attempts=A calls=C seconds=S"
 *   aws_wire_driver rest SERVICE METHOD PATH    one REST call; prints status and code
 *   aws_wire_driver s3load SRC                  dm__s3_load; prints "resources=N sources=M"
 *
 * Credentials, region and endpoints come from the environment, as in the
 * CLI. Exit status 0 on success, 1 on error (the one-line error on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "providers/aws/aws_creds.h"
#include "providers/aws/aws_http.h"
#include "providers/aws/aws_sts.h"
#include "source_s3.h"

typedef struct tally {
	unsigned ok, failed, attempts;
	char first_error[1024];
	dm_ctx *ctx;
} tally;

static void on_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	tally *t = ud;

	(void)cl;
	t->attempts += resp->attempts;
	if (rc == 0 && resp->status == 200) {
		t->ok++;
		return;
	}
	t->failed++;
	if (!t->first_error[0])
		snprintf(t->first_error, sizeof(t->first_error), "%s", dm_ctx_last_error(t->ctx));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	dm_ctx *ctx = NULL;
	aws_client *cl = NULL;
	aws_session s;
	aws_session_opts so;
	aws_client_options o;
	const char *region;
	int rc = 1;

	memset(&s, 0, sizeof(s));
	memset(&so, 0, sizeof(so));
	memset(&o, 0, sizeof(o));
	if (argc < 2) {
		fprintf(stderr, "usage: aws_wire_driver whoami|query|rest|s3load ...\n");
		return 2;
	}
	if (dm_ctx_new(&ctx) < 0)
		return 1;
	if (strcmp(argv[1], "s3load") == 0 && argc == 3) {
		dm_inventory *inv = NULL;

		if (dm_inventory_new(&inv) == 0 && dm__s3_load(inv, ctx, argv[2]) == 0) {
			printf("resources=%zu sources=%zu\n", dm_inventory_count(inv),
			       dm_inventory_source_count(inv));
			for (size_t i = 0; i < dm_inventory_source_count(inv); i++)
				printf("source=%s\n", dm_inventory_source_at(inv, i)->uri);
			rc = 0;
		}
		dm_inventory_free(inv);
		goto done;
	}
	o.concurrency = 16;
	o.base_backoff_ms = 20;
	o.max_backoff_ms = 500;
	o.max_retries = 6;
	o.bucket_rate = 1e6;
	o.bucket_burst = 1e6;
	if (getenv("DRIVER_MAX_RETRIES"))
		o.max_retries = (unsigned)strtoul(getenv("DRIVER_MAX_RETRIES"), NULL, 10);
	if (aws_client_new(&cl, ctx, &o) < 0)
		goto done;
	so.client = cl;
	if (aws_session_resolve(&s, ctx, &so) < 0)
		goto done;
	region = s.region ? s.region : "us-east-1";

	if (strcmp(argv[1], "whoami") == 0) {
		char *account = NULL, *arn = NULL;

		if (aws_sts_get_caller_identity(cl, &s.creds, region, &account, &arn) < 0)
			goto done;
		printf("%s %s\n", account, arn ? arn : "");
		free(account);
		free(arn);
		rc = 0;
	} else if (strcmp(argv[1], "query") == 0 && argc >= 5) {
		const char *service = argv[2];
		unsigned n = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 1;
		char *endpoint = aws_endpoint_url(service, region);
		char *body = aws_query_body(argv[4], argv[3], NULL, 0);
		char api[128];
		aws_request req;
		tally t;
		double t0;

		memset(&t, 0, sizeof(t));
		t.ctx = ctx;
		snprintf(api, sizeof(api), "%s:%s", service, argv[4]);
		memset(&req, 0, sizeof(req));
		req.service = service;
		req.region = strcmp(service, "iam") == 0 ? "us-east-1" : region;
		req.account = "driver";
		req.endpoint = endpoint;
		req.method = "POST";
		req.path = "/";
		req.body = body;
		req.body_len = body ? strlen(body) : 0;
		req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
		req.api = api;
		t0 = now_s();
		for (unsigned i = 0; i < n; i++) {
			if (aws_client_submit(cl, &req, &s.creds, on_done, &t) < 0)
				break;
		}
		aws_client_run(cl);
		printf("ok=%u failed=%u attempts=%u calls=%u peak=%u seconds=%.3f\n", t.ok, t.failed,
		       t.attempts, aws_client_calls(cl, "driver", req.region, api),
		       aws_client_peak_inflight(cl), now_s() - t0);
		if (t.first_error[0])
			fprintf(stderr, "%s\n", t.first_error);
		rc = t.failed ? 3 : 0; /* 3: the error is already printed */
		free(endpoint);
		free(body);
	} else if (strcmp(argv[1], "rest") == 0 && argc == 5) {
		char *endpoint = aws_endpoint_url(argv[2], region);
		char api[256];
		aws_request req;
		aws_response resp;

		snprintf(api, sizeof(api), "%s:%s %s", argv[2], argv[3], argv[4]);
		memset(&req, 0, sizeof(req));
		req.service = argv[2];
		req.region = region;
		req.account = "driver";
		req.endpoint = endpoint;
		req.method = argv[3];
		req.path = argv[4];
		req.api = api;
		rc = aws_client_call(cl, &req, &s.creds, &resp);
		printf("status=%ld code=%s attempts=%u\n", resp.status,
		       resp.error_code ? resp.error_code : "-", resp.attempts);
		aws_response_free(&resp);
		free(endpoint);
		rc = rc < 0 ? 1 : 0;
	} else {
		fprintf(stderr, "aws_wire_driver: bad arguments\n");
		rc = 2;
	}
done:
	if (rc == 1 && dm_ctx_last_error(ctx)[0])
		fprintf(stderr, "%s\n", dm_ctx_last_error(ctx));
	aws_session_free(&s);
	aws_client_free(cl);
	dm_ctx_free(ctx);
	return rc;
}
