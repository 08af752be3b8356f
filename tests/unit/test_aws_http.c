/*
 * The AWS HTTP engine against a tiny HTTP/1.1 server thread on 127.0.0.1:
 * retries on every throttle shape, Retry-After, giving up after the cap,
 * HTML 500 bodies, truncated bodies, resets, the body limit, the concurrency
 * bound, connection reuse, call counting and what is sent (signature,
 * User-Agent, no secrets).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "providers/aws/aws_http.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "SESSIONTOKENsecretvalue"

enum mode {
	M_OK,
	M_EC2_THROTTLE,  /* 503 RequestLimitExceeded */
	M_IAM_THROTTLE,  /* 400 Throttling */
	M_EKS_THROTTLE,  /* 429 JSON + x-amzn-ErrorType */
	M_RETRY_AFTER,   /* 503 + Retry-After: 1 */
	M_HTML_500,      /* 500 HTML */
	M_TRUNCATED,     /* Content-Length larger than what is sent */
	M_RESET,         /* close without answering */
	M_NOT_FOUND,     /* 400 InvalidVpcID.NotFound: not retried */
	M_BIG,           /* 64 KiB body */
};

typedef struct srv {
	int fd;
	int port;
	pthread_t th;
	pthread_mutex_t mu;
	enum mode mode;
	int fail_first;  /* requests that get the failure mode; -1 = all */
	int delay_ms;
	int nreq, conns, cur, peak;
	char last_auth[512];
	char last_ua[256];
	char last_date[64];
	char last_token[128];
	char last_ctype[128];
	char last_line[256];
	int stop;
} srv;

static void hdr_copy(const char *req, const char *name, char *out, size_t cap)
{
	const char *p = req;
	size_t nl = strlen(name);

	out[0] = '\0';
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strpbrk(v, "\r\n");
			snprintf(out, cap, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			return;
		}
	}
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* head and body in one send: no Nagle/delayed-ACK stall in the timing tests */
static void respond(int fd, int status, const char *reason, const char *extra, const char *body)
{
	size_t bl = strlen(body), cap = bl + 1024;
	char *out = malloc(cap);
	int n = snprintf(out, cap, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n", status,
			 reason, bl, extra ? extra : "");

	memcpy(out + n, body, bl);
	send_all(fd, out, (size_t)n + bl);
	free(out);
}

static void *conn_main(void *arg)
{
	void **a = arg;
	srv *s = a[0];
	int fd = (int)(intptr_t)a[1];
	char buf[65536];

	free(arg);
	for (;;) {
		size_t len = 0;
		char *end = NULL;
		long clen = 0;
		int n, fail;
		enum mode mode;
		char tmp[64];

		/* read headers */
		while (!end) {
			ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

			if (r <= 0)
				goto out;
			len += (size_t)r;
			buf[len] = '\0';
			end = strstr(buf, "\r\n\r\n");
		}
		hdr_copy(buf, "Content-Length", tmp, sizeof(tmp));
		clen = tmp[0] ? strtol(tmp, NULL, 10) : 0;
		while ((long)(len - (size_t)(end + 4 - buf)) < clen) {
			ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

			if (r <= 0)
				goto out;
			len += (size_t)r;
			buf[len] = '\0';
		}
		pthread_mutex_lock(&s->mu);
		n = s->nreq++;
		s->cur++;
		if (s->cur > s->peak)
			s->peak = s->cur;
		hdr_copy(buf, "Authorization", s->last_auth, sizeof(s->last_auth));
		hdr_copy(buf, "User-Agent", s->last_ua, sizeof(s->last_ua));
		hdr_copy(buf, "X-Amz-Date", s->last_date, sizeof(s->last_date));
		hdr_copy(buf, "X-Amz-Security-Token", s->last_token, sizeof(s->last_token));
		hdr_copy(buf, "Content-Type", s->last_ctype, sizeof(s->last_ctype));
		snprintf(s->last_line, sizeof(s->last_line), "%.*s", (int)strcspn(buf, "\r\n"), buf);
		fail = s->fail_first < 0 || n < s->fail_first;
		mode = fail ? s->mode : M_OK;
		pthread_mutex_unlock(&s->mu);
		if (s->delay_ms > 0) {
			struct timespec ts = { 0, (long)s->delay_ms * 1000000L };

			nanosleep(&ts, NULL);
		}
		pthread_mutex_lock(&s->mu);
		s->cur--;
		pthread_mutex_unlock(&s->mu);
		switch (mode) {
		case M_OK:
			respond(fd, 200, "OK", "Content-Type: text/xml\r\n",
				"<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>");
			break;
		case M_EC2_THROTTLE:
			respond(fd, 503, "Service Unavailable", NULL,
				"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
				"<Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
				"</Message></Error></Errors><RequestID>x</RequestID></Response>");
			break;
		case M_IAM_THROTTLE:
			respond(fd, 400, "Bad Request", NULL,
				"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
				"<Message>Rate exceeded</Message></Error><RequestId>r</RequestId>"
				"</ErrorResponse>");
			break;
		case M_EKS_THROTTLE:
			respond(fd, 429, "Too Many Requests",
				"x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/\r\n"
				"Content-Type: application/json\r\n",
				"{\"message\":\"Rate exceeded\"}");
			break;
		case M_RETRY_AFTER:
			respond(fd, 503, "Service Unavailable", "Retry-After: 1\r\n",
				"<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
				"<Message>slow down</Message></Error></Errors></Response>");
			break;
		case M_HTML_500:
			respond(fd, 500, "Internal Server Error", "Content-Type: text/html\r\n",
				"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>"
				"</head><body>boom</body></html>");
			break;
		case M_TRUNCATED:
			send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<Describe", 49);
			goto out;
		case M_RESET:
			goto out;
		case M_NOT_FOUND:
			respond(fd, 400, "Bad Request", NULL,
				"<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>"
				"The vpc ID 'vpc-1' does not exist</Message></Error></Errors></Response>");
			break;
		case M_BIG: {
			char *big = malloc(65537);

			memset(big, 'a', 65536);
			big[65536] = '\0';
			respond(fd, 200, "OK", NULL, big);
			free(big);
			break;
		}
		}
	}
out:
	close(fd);
	return NULL;
}

static void *accept_main(void *arg)
{
	srv *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		pthread_t t;
		void **a;

		if (c < 0)
			break;
		pthread_mutex_lock(&s->mu);
		s->conns++;
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			close(c);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		a = malloc(2 * sizeof(void *));
		a[0] = s;
		a[1] = (void *)(intptr_t)c;
		pthread_create(&t, NULL, conn_main, a);
		pthread_detach(t);
	}
	return NULL;
}

static srv *srv_start(enum mode mode, int fail_first)
{
	srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	s->mode = mode;
	s->fail_first = fail_first;
	pthread_mutex_init(&s->mu, NULL);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 128), 0);
	getsockname(s->fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, accept_main, s);
	return s;
}

static void srv_stop(srv *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->th, NULL);
	/* let detached connection threads notice the closed client sockets */
	usleep(20000);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

typedef struct fixture {
	dm_ctx *ctx;
	aws_client *cl;
	srv *s;
	char endpoint[64];
	aws_creds creds;
	aws_request req;
} fixture;

static void fx_init(fixture *f, enum mode mode, int fail_first, unsigned retries, unsigned conc)
{
	aws_client_options o;

	memset(f, 0, sizeof(*f));
	assert_int_equal(dm_ctx_new(&f->ctx), 0);
	memset(&o, 0, sizeof(o));
	o.concurrency = conc;
	o.max_retries = retries;
	o.base_backoff_ms = 5;
	o.max_backoff_ms = 20;
	o.timeout_ms = 5000;
	o.bucket_rate = 100000;
	o.bucket_burst = 100000;
	assert_int_equal(aws_client_new(&f->cl, f->ctx, &o), 0);
	aws_client_seed(f->cl, 42);
	f->s = srv_start(mode, fail_first);
	snprintf(f->endpoint, sizeof(f->endpoint), "http://127.0.0.1:%d", f->s->port);
	f->creds.access_key_id = "AKIDEXAMPLE";
	f->creds.secret_access_key = SECRET;
	f->creds.session_token = TOKEN;
	f->req.service = "ec2";
	f->req.region = "us-east-1";
	f->req.account = "123456789012";
	f->req.endpoint = f->endpoint;
	f->req.method = "POST";
	f->req.path = "/";
	f->req.body = "Action=DescribeVpcs&Version=2016-11-15";
	f->req.body_len = strlen(f->req.body);
	f->req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	f->req.api = "ec2:DescribeVpcs";
}

static void fx_free(fixture *f)
{
	aws_client_free(f->cl);
	srv_stop(f->s);
	dm_ctx_free(f->ctx);
}

static void assert_no_secret(const char *s)
{
	assert_null(strstr(s, SECRET));
	assert_null(strstr(s, TOKEN));
}

static void test_aws_http__sends_a_signed_request(void **state)
{
	fixture f;
	aws_response r;

	(void)state;
	fx_init(&f, M_OK, 0, 3, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.body, "DescribeVpcsResponse"));
	assert_int_equal(r.body_len, strlen(r.body));
	assert_non_null(strstr(f.s->last_auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
	assert_non_null(strstr(f.s->last_auth, "/us-east-1/ec2/aws4_request"));
	assert_non_null(strstr(f.s->last_auth,
			       "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"));
	assert_no_secret(f.s->last_auth);
	assert_int_equal(strlen(f.s->last_date), 16);
	assert_string_equal(f.s->last_token, TOKEN);
	assert_string_equal(f.s->last_ctype, "application/x-www-form-urlencoded; charset=utf-8");
	assert_string_equal(f.s->last_ua, "driftmap/" DRIFTMAP_VERSION);
	assert_null(strstr(f.s->last_ua, "region/"));
	assert_string_equal(f.s->last_line, "POST / HTTP/1.1");
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "us-east-1", "ec2:DescribeVpcs"), 1);
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__retries_every_throttle_shape(void **state)
{
	static const enum mode modes[] = { M_EC2_THROTTLE, M_IAM_THROTTLE, M_EKS_THROTTLE,
					   M_HTML_500, M_RESET, M_TRUNCATED };

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fixture f;
		aws_response r;
		int rc;

		fx_init(&f, modes[i], 2, 3, 4);
		rc = aws_client_call(f.cl, &f.req, &f.creds, &r);
		if (rc != 0 || r.status != 200 || r.attempts != 3)
			fail_msg("mode %zu: rc %d status %ld attempts %u (%s)", i, rc, r.status,
				 r.attempts, dm_ctx_last_error(f.ctx));
		assert_int_equal(f.s->nreq, 3);
		assert_int_equal(aws_client_calls(f.cl, "123456789012", "us-east-1",
						  "ec2:DescribeVpcs"), 3);
		aws_response_free(&r);
		fx_free(&f);
	}
}

static void test_aws_http__gives_up_after_the_cap_with_one_line(void **state)
{
	fixture f;
	aws_response r;
	const char *e;

	(void)state;
	fx_init(&f, M_EC2_THROTTLE, -1, 3, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EAPI);
	assert_int_equal(r.status, 503);
	assert_int_equal(r.attempts, 4);
	assert_int_equal(f.s->nreq, 4);
	assert_string_equal(r.error_code, "RequestLimitExceeded");
	assert_string_equal(r.error_message, "Request limit exceeded.");
	e = dm_ctx_last_error(f.ctx);
	assert_string_equal(e, "ec2:DescribeVpcs: RequestLimitExceeded: Request limit exceeded. "
			       "(HTTP 503, gave up after 4 attempts)");
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "us-east-1", "ec2:DescribeVpcs"), 4);
	aws_response_free(&r);
	fx_free(&f);

	/* EKS: the code comes from x-amzn-ErrorType */
	fx_init(&f, M_EKS_THROTTLE, -1, 1, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EAPI);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.error_code, "ThrottlingException");
	assert_string_equal(r.error_message, "Rate exceeded");
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__html_500_is_an_error_not_a_crash(void **state)
{
	fixture f;
	aws_response r;
	const char *e;

	(void)state;
	fx_init(&f, M_HTML_500, -1, 2, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EAPI);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.attempts, 3);
	assert_string_equal(r.error_code, "HTTP500");
	e = dm_ctx_last_error(f.ctx);
	assert_string_equal(e, "ec2:DescribeVpcs: response is not XML (HTTP 500, starts with "
			       "'<!DOCTYPE html>'); gave up after 3 attempts");
	assert_string_equal(r.error_message,
			    "response is not XML (HTTP 500, starts with '<!DOCTYPE html>')");
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__client_errors_are_not_retried(void **state)
{
	fixture f;
	aws_response r;

	(void)state;
	fx_init(&f, M_NOT_FOUND, -1, 5, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EAPI);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.error_code, "InvalidVpcID.NotFound");
	assert_string_equal(dm_ctx_last_error(f.ctx),
			    "ec2:DescribeVpcs: InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not "
			    "exist (HTTP 400)");
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__transport_failures_end_in_one_line(void **state)
{
	fixture f;
	aws_response r;
	const char *e;

	(void)state;
	fx_init(&f, M_TRUNCATED, -1, 2, 4);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EHTTP);
	assert_int_equal(f.s->nreq, 3);
	e = dm_ctx_last_error(f.ctx);
	assert_non_null(strstr(e, "ec2:DescribeVpcs: request to http://127.0.0.1:"));
	assert_non_null(strstr(e, "failed after 3 attempts"));
	assert_null(strchr(e, '\n'));
	assert_no_secret(e);
	aws_response_free(&r);
	fx_free(&f);

	/* nothing listens: connection refused */
	fx_init(&f, M_OK, 0, 1, 4);
	f.req.endpoint = "http://127.0.0.1:1";
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_EHTTP);
	assert_non_null(strstr(dm_ctx_last_error(f.ctx), "failed after 2 attempts"));
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__honours_retry_after(void **state)
{
	fixture f;
	aws_response r;
	struct timespec t0, t1;
	double el;

	(void)state;
	fx_init(&f, M_RETRY_AFTER, 1, 3, 4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* max_backoff 20 ms caps Retry-After: raise the cap for this test */
	aws_client_free(f.cl);
	{
		aws_client_options o;

		memset(&o, 0, sizeof(o));
		o.max_retries = 3;
		o.base_backoff_ms = 1;
		o.max_backoff_ms = 5000;
		assert_int_equal(aws_client_new(&f.cl, f.ctx, &o), 0);
	}
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_true(el >= 0.99);
	assert_true(el < 3.0);
	aws_response_free(&r);
	fx_free(&f);
}

static void test_aws_http__body_limit_is_enforced(void **state)
{
	fixture f;
	aws_response r;

	(void)state;
	fx_init(&f, M_BIG, -1, 3, 4);
	aws_client_set_max_body(f.cl, 1024);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), DM_ETOOBIG);
	assert_int_equal(f.s->nreq, 1);
	assert_non_null(strstr(dm_ctx_last_error(f.ctx), "exceeds the 1024-byte limit"));
	aws_response_free(&r);
	aws_client_set_max_body(f.cl, 0);
	assert_int_equal(aws_client_call(f.cl, &f.req, &f.creds, &r), 0);
	assert_int_equal(r.body_len, 65536);
	aws_response_free(&r);
	fx_free(&f);
}

typedef struct counter_ud {
	int ok, failed, chained;
	aws_request *req;
	const aws_creds *creds;
} counter_ud;

static void count_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	counter_ud *c = ud;

	if (rc == 0 && resp->status == 200)
		c->ok++;
	else
		c->failed++;
	/* a callback may queue more work (pagination) */
	if (c->chained > 0) {
		c->chained--;
		aws_client_submit(cl, c->req, c->creds, count_done, c);
	}
}

static void test_aws_http__bounds_concurrency_and_reaches_ideal_throughput(void **state)
{
	fixture f;
	counter_ud c;
	struct timespec t0, t1;
	double el, ideal;
	const int n = 160;
	const unsigned conc = 16;

	(void)state;
	fx_init(&f, M_OK, 0, 3, conc);
	f.s->delay_ms = 50;
	memset(&c, 0, sizeof(c));
	c.req = &f.req;
	c.creds = &f.creds;
	c.chained = 8;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n - 8; i++)
		assert_int_equal(aws_client_submit(f.cl, &f.req, &f.creds, count_done, &c), 0);
	assert_int_equal(aws_client_run(f.cl), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ideal = n * 0.050 / conc;
	assert_int_equal(c.ok, n);
	assert_int_equal(c.failed, 0);
	assert_int_equal(f.s->nreq, n);
	assert_true(f.s->peak <= (int)conc);
	assert_int_equal(aws_client_peak_inflight(f.cl), conc);
	/* connections are reused: no more than one per slot (plus slack for races) */
	assert_true(f.s->conns <= (int)conc + 2);
	print_message("%d requests, 50 ms server latency, concurrency %u: %.3f s (ideal %.3f s)\n", n,
		      conc, el, ideal);
	/* Requests overlap: one at a time would take n x 50 ms. The speed itself is a
	 * benchmark (bench/RESULTS.md), not a unit-test assertion: CI machines are loaded. */
	if (el > n * 0.050 / 2)
		fail_msg("took %.3fs: requests are not running concurrently (serial: %.3fs)", el,
			 n * 0.050);
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "us-east-1", "ec2:DescribeVpcs"),
			 (unsigned)n);
	assert_int_equal(aws_client_total_calls(f.cl), (unsigned long)n);
	fx_free(&f);
}

static void test_aws_http__token_bucket_paces_requests(void **state)
{
	fixture f;
	counter_ud c;
	aws_client_options o;
	struct timespec t0, t1;
	double el;

	(void)state;
	fx_init(&f, M_OK, 0, 3, 8);
	aws_client_free(f.cl);
	memset(&o, 0, sizeof(o));
	o.bucket_rate = 20;  /* 20/s after a burst of 5 */
	o.bucket_burst = 5;
	assert_int_equal(aws_client_new(&f.cl, f.ctx, &o), 0);
	memset(&c, 0, sizeof(c));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 15; i++)
		assert_int_equal(aws_client_submit(f.cl, &f.req, &f.creds, count_done, &c), 0);
	/* another region has its own bucket */
	f.req.region = "eu-west-1";
	for (int i = 0; i < 5; i++)
		assert_int_equal(aws_client_submit(f.cl, &f.req, &f.creds, count_done, &c), 0);
	assert_int_equal(aws_client_run(f.cl), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(c.ok, 20);
	/* 10 requests beyond the burst at 20/s: ~0.5 s */
	assert_true(el >= 0.45);
	assert_true(el < 2.0);
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "us-east-1", "ec2:DescribeVpcs"), 15);
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "eu-west-1", "ec2:DescribeVpcs"), 5);
	assert_int_equal(aws_client_calls(f.cl, "123456789012", "eu-west-1", "ec2:DescribeSubnets"), 0);
	fx_free(&f);
}

static void test_aws_http__unsigned_requests_carry_no_authorization(void **state)
{
	fixture f;
	aws_response r;

	(void)state;
	fx_init(&f, M_OK, 0, 3, 4);
	f.req.service = "sts";
	assert_int_equal(aws_client_call(f.cl, &f.req, NULL, &r), 0);
	assert_string_equal(f.s->last_auth, "");
	assert_string_equal(f.s->last_token, "");
	aws_response_free(&r);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_http__sends_a_signed_request),
		cmocka_unit_test(test_aws_http__retries_every_throttle_shape),
		cmocka_unit_test(test_aws_http__gives_up_after_the_cap_with_one_line),
		cmocka_unit_test(test_aws_http__html_500_is_an_error_not_a_crash),
		cmocka_unit_test(test_aws_http__client_errors_are_not_retried),
		cmocka_unit_test(test_aws_http__transport_failures_end_in_one_line),
		cmocka_unit_test(test_aws_http__honours_retry_after),
		cmocka_unit_test(test_aws_http__body_limit_is_enforced),
		cmocka_unit_test(test_aws_http__bounds_concurrency_and_reaches_ideal_throughput),
		cmocka_unit_test(test_aws_http__token_bucket_paces_requests),
		cmocka_unit_test(test_aws_http__unsigned_requests_carry_no_authorization),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
