/*
 * The one AWS HTTP engine: one libcurl multi handle (connection reuse),
 * a bounded number of requests in flight, a token bucket per (account,
 * region, service), retries with exponential backoff and full jitter on
 * throttling, 5xx and transport errors (honouring Retry-After), a fresh
 * SigV4 signature per attempt, a hard maximum on response bodies and a
 * count of API calls (attempts included) per (account, region, api).
 *
 * Threads: aws_client_run() drives the transfers on the calling thread and
 * runs the completion callbacks (which parse and map the responses) one at
 * a time, in completion order, on one worker thread, so the next round
 * trips are in flight while a page is parsed. Callbacks may submit more
 * requests. Everything the two threads share (the pending and finished
 * lists, the counters, the cancel flag) is under cl->mu; messages made on
 * the I/O thread go to a private error slot (cl->ioctx) and travel with the
 * request to its callback. aws_client_call() runs both parts on the calling
 * thread. Secrets (the copied credentials) are zeroed when a request is
 * freed and never appear in messages.
 */
#include <pthread.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/crypto.h>
#include "providers/aws/aws_http.h"
#include "providers/aws/aws_sigv4.h"
#include "providers/aws/aws_xml.h"

#define KEY_SEP "\x1f"

struct req {
	struct req *next;
	/* copied request */
	char *service, *region, *account, *endpoint, *method, *path, *query, *api, *ctype;
	char *body;
	size_t body_len;
	aws_creds creds;
	aws_done_fn done;
	void *ud;
	int *flag; /* set to 1 when complete (aws_client_call) */
	/* per attempt */
	CURL *easy;
	struct curl_slist *hdrs;
	char *auth;
	char *url;
	dm_buf resp;
	long retry_after_ms;
	char *err_type; /* x-amzn-ErrorType */
	int too_big;
	char errbuf[CURL_ERROR_SIZE];
	/* scheduling */
	unsigned attempts;
	long long not_before_ms;
	unsigned *counter;
	/* a finished request whose callback has not run yet (see run_loop) */
	struct req *dnext;
	int d_rc, d_errcode;
	long d_status;
	char *d_code, *d_msg, *d_err;
};

struct bucket {
	double tokens;
	long long last_ms;
	char key[];
};

struct counter {
	unsigned n;
	const char *account, *region, *api; /* point into key */
	char key[];
};

struct aws_client {
	dm_ctx *ctx;
	aws_client_options o;
	CURLM *multi;
	CURL **pool;
	size_t npool, cappool;
	struct req *head, *tail; /* pending, FIFO */
	unsigned inflight, peak;
	unsigned long total;
	dm_strmap *buckets;
	dm_strmap *counts;
	uint64_t prng;
	size_t max_body;
	char ua[64];
	int cancelled; /* aws_client_cancel(): no new attempts, no retries */
	struct req *dhead, *dtail; /* finished, callbacks pending */
	/* threads (see the top of the file) */
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* the worker: a finished request, or stop */
	int threaded;         /* a run with a callback worker is under way */
	int busy;             /* the worker is inside a callback */
	int stop;             /* the worker ends once the finished list is empty */
	dm_ctx *ioctx;        /* where the I/O side sets its messages: ctx, or ioctx_store */
	dm_ctx ioctx_store;
};

/* ---- time and randomness ------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t prng_next(aws_client *cl)
{
	uint64_t z = (cl->prng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void aws_client_seed(aws_client *cl, uint64_t seed)
{
	if (cl)
		cl->prng = seed;
}

/* ---- lifecycle ------------------------------------------------------------ */

int aws_client_new(aws_client **out, dm_ctx *ctx, const aws_client_options *opts)
{
	aws_client *cl = NULL;
	struct timespec ts;
	int rc = DM_ENOMEM;

	*out = NULL;
	cl = dm__calloc(1, sizeof(*cl));
	if (!cl)
		goto done;
	cl->ctx = ctx;
	cl->ioctx = ctx;
	pthread_mutex_init(&cl->mu, NULL);
	pthread_cond_init(&cl->cv, NULL);
	if (opts)
		cl->o = *opts;
	if (!cl->o.concurrency)
		cl->o.concurrency = 16;
	if (cl->o.max_retries == 0) /* 0 = default, like every other field */
		cl->o.max_retries = 8;
	if (!cl->o.base_backoff_ms)
		cl->o.base_backoff_ms = 100;
	if (!cl->o.max_backoff_ms)
		cl->o.max_backoff_ms = 20000;
	if (!cl->o.timeout_ms)
		cl->o.timeout_ms = 30000;
	if (cl->o.bucket_rate <= 0)
		cl->o.bucket_rate = 20;
	if (cl->o.bucket_burst < 1)
		cl->o.bucket_burst = 100;
	cl->o.ca_bundle = NULL;
	if (opts && opts->ca_bundle) {
		cl->o.ca_bundle = dm__strdup(opts->ca_bundle);
		if (!cl->o.ca_bundle)
			goto done;
	}
	cl->max_body = AWS_HTTP_MAX_BODY;
	clock_gettime(CLOCK_REALTIME, &ts);
	cl->prng = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)cl;
	snprintf(cl->ua, sizeof(cl->ua), "driftmap/%s", DRIFTMAP_VERSION);
	if (dm__strmap_new(&cl->buckets, 16) < 0 || dm__strmap_new(&cl->counts, 64) < 0)
		goto done;
	cl->multi = curl_multi_init();
	if (!cl->multi) {
		rc = dm__error(ctx, DM_ERROR, "aws: cannot create the HTTP engine (curl_multi_init)");
		goto done;
	}
	curl_multi_setopt(cl->multi, CURLMOPT_MAXCONNECTS, (long)cl->o.concurrency * 2 + 4);
	xmlInitParser(); /* before the worker and this thread parse at the same time */
	*out = cl;
	cl = NULL;
	rc = 0;
done:
	if (rc == DM_ENOMEM)
		dm__error(ctx, rc, "aws: out of memory creating the HTTP engine");
	aws_client_free(cl);
	return rc;
}

static void slist_free_secure(struct curl_slist *l)
{
	for (struct curl_slist *n = l; n; n = n->next) {
		if (n->data)
			OPENSSL_cleanse(n->data, strlen(n->data));
	}
	curl_slist_free_all(l);
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->service);
	free(r->region);
	free(r->account);
	free(r->endpoint);
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->api);
	free(r->ctype);
	if (r->body) {
		OPENSSL_cleanse(r->body, r->body_len);
		free(r->body);
	}
	aws_creds_clear(&r->creds);
	slist_free_secure(r->hdrs);
	if (r->auth) {
		OPENSSL_cleanse(r->auth, strlen(r->auth));
		free(r->auth);
	}
	free(r->url);
	free(r->err_type);
	dm__buf_free(&r->resp);
	free(r);
}

static void free_map_values(dm_strmap *m)
{
	size_t it = 0;
	const char *k;
	void *v;

	while (m && dm__strmap_next(m, &it, &k, &v))
		free(v);
	dm__strmap_free(m);
}

void aws_client_free(aws_client *cl)
{
	if (!cl)
		return;
	while (cl->head) {
		struct req *r = cl->head;

		cl->head = r->next;
		req_free(r);
	}
	for (size_t i = 0; i < cl->npool; i++)
		curl_easy_cleanup(cl->pool[i]);
	free(cl->pool);
	if (cl->multi)
		curl_multi_cleanup(cl->multi);
	free_map_values(cl->buckets);
	free_map_values(cl->counts);
	free((char *)cl->o.ca_bundle);
	pthread_cond_destroy(&cl->cv);
	pthread_mutex_destroy(&cl->mu);
	free(cl);
}

dm_ctx *aws_client_ctx(aws_client *cl)
{
	return cl ? cl->ctx : NULL;
}

void aws_client_set_max_body(aws_client *cl, size_t max)
{
	cl->max_body = max ? max : AWS_HTTP_MAX_BODY;
}

unsigned aws_client_peak_inflight(const aws_client *cl)
{
	return cl->peak;
}

unsigned long aws_client_total_calls(const aws_client *cl)
{
	return cl->total;
}

void aws_response_free(aws_response *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->error_code);
	free(r->error_message);
	memset(r, 0, sizeof(*r));
}

/* ---- counts and buckets ---------------------------------------------------- */

static char *join3(const char *a, const char *b, const char *c, size_t extra, size_t *keylen)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *p = dm__calloc(1, extra + la + lb + lc + 3);

	if (!p)
		return NULL;
	memcpy(p + extra, a, la);
	p[extra + la] = KEY_SEP[0];
	memcpy(p + extra + la + 1, b, lb);
	p[extra + la + 1 + lb] = KEY_SEP[0];
	memcpy(p + extra + la + lb + 2, c, lc);
	*keylen = la + lb + lc + 2;
	return p;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static unsigned *counter_for(aws_client *cl, const char *account, const char *region,
			     const char *api)
{
	size_t kl, la = strlen(nz(account)), lr = strlen(nz(region));
	char *key = join3(nz(account), nz(region), nz(api), 0, &kl);
	struct counter *c;

	if (!key)
		return NULL;
	c = dm__strmap_get(cl->counts, key);
	if (c) {
		free(key);
		return &c->n;
	}
	c = dm__calloc(1, sizeof(*c) + kl + 1 + kl + 1);
	if (!c) {
		free(key);
		return NULL;
	}
	memcpy(c->key, key, kl);
	/* a second copy split with NULs for the borrowed fields */
	{
		char *s = c->key + kl + 1;

		memcpy(s, key, kl);
		s[la] = '\0';
		s[la + 1 + lr] = '\0';
		c->account = s;
		c->region = s + la + 1;
		c->api = s + la + 1 + lr + 1;
	}
	free(key);
	if (dm__strmap_put(cl->counts, c->key, c) < 0) {
		free(c);
		return NULL;
	}
	return &c->n;
}

unsigned aws_client_calls(const aws_client *cl, const char *account, const char *region,
			  const char *api)
{
	size_t kl;
	char *key;
	struct counter *c;
	unsigned n;

	if (!cl)
		return 0;
	key = join3(nz(account), nz(region), nz(api), 0, &kl);
	if (!key)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&cl->mu);
	c = dm__strmap_get(cl->counts, key);
	n = c ? c->n : 0;
	pthread_mutex_unlock((pthread_mutex_t *)&cl->mu);
	free(key);
	return n;
}

int aws_client_calls_next(const aws_client *cl, size_t *it, const char **account,
			  const char **region, const char **api, unsigned *count)
{
	const char *k;
	void *v;
	struct counter *c;

	if (!dm__strmap_next(cl->counts, it, &k, &v))
		return 0;
	c = v;
	*account = c->account;
	*region = c->region;
	*api = c->api;
	*count = c->n;
	return 1;
}

/* Take a token; 0 when granted, else the ms to wait. */
static long long bucket_take(aws_client *cl, const struct req *r, long long now)
{
	size_t kl;
	char *key = join3(nz(r->account), nz(r->region), nz(r->service), 0, &kl);
	struct bucket *b;
	double need;

	if (!key)
		return 0; /* out of memory: do not block */
	b = dm__strmap_get(cl->buckets, key);
	if (!b) {
		b = dm__calloc(1, sizeof(*b) + kl + 1);
		if (!b) {
			free(key);
			return 0;
		}
		memcpy(b->key, key, kl);
		b->tokens = cl->o.bucket_burst;
		b->last_ms = now;
		if (dm__strmap_put(cl->buckets, b->key, b) < 0) {
			free(b);
			free(key);
			return 0;
		}
	}
	free(key);
	b->tokens += (double)(now - b->last_ms) * cl->o.bucket_rate / 1000.0;
	if (b->tokens > cl->o.bucket_burst)
		b->tokens = cl->o.bucket_burst;
	b->last_ms = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	need = (1.0 - b->tokens) * 1000.0 / cl->o.bucket_rate;
	return (long long)need + 1;
}

/* ---- submit ------------------------------------------------------------------ */

int aws_client_submit(aws_client *cl, const aws_request *req, const aws_creds *creds,
		      aws_done_fn done, void *ud)
{
	struct req *r = NULL;
	int rc = DM_EINVAL;

	if (!cl || !req || !req->service || !req->region || !req->endpoint ||
	    (creds && creds->access_key_id && !creds->secret_access_key)) {
		return dm__error(cl ? cl->ctx : NULL, DM_EINVAL, "%s: invalid request or credentials",
				 req && req->api ? req->api : "aws");
	}
	r = dm__calloc(1, sizeof(*r));
	rc = DM_ENOMEM;
	if (!r)
		goto done;
	r->service = dm__strdup(req->service);
	r->region = dm__strdup(req->region);
	r->account = dm__strdup(nz(req->account));
	r->endpoint = dm__strdup(req->endpoint);
	r->method = dm__strdup(req->method ? req->method : "GET");
	r->path = dm__strdup(req->path && *req->path ? req->path : "/");
	r->query = dm__strdup(nz(req->query));
	r->api = dm__strdup(req->api ? req->api : req->service);
	r->ctype = req->content_type ? dm__strdup(req->content_type) : NULL;
	if (creds && creds->access_key_id) {
		/* signed; NULL credentials send an unsigned request (AssumeRoleWithWebIdentity) */
		r->creds.access_key_id = dm__strdup(creds->access_key_id);
		r->creds.secret_access_key = dm__strdup(creds->secret_access_key);
		r->creds.session_token = dm__strdup(creds->session_token);
		r->creds.expires_at = creds->expires_at;
		if (!r->creds.access_key_id || !r->creds.secret_access_key ||
		    (creds->session_token && !r->creds.session_token))
			goto done;
	}
	if (!r->service || !r->region || !r->account || !r->endpoint || !r->method || !r->path ||
	    !r->query || !r->api || (req->content_type && !r->ctype))
		goto done;
	if (req->body && req->body_len) {
		r->body = dm__strndup(req->body, req->body_len);
		if (!r->body)
			goto done;
		r->body_len = req->body_len;
	}
	dm__buf_init(&r->resp, cl->max_body);
	r->done = done;
	r->ud = ud;
	pthread_mutex_lock(&cl->mu);
	r->counter = counter_for(cl, r->account, r->region, r->api);
	if (r->counter) {
		if (cl->tail)
			cl->tail->next = r;
		else
			cl->head = r;
		cl->tail = r;
		r = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&cl->mu);
	if (rc == 0 && cl->threaded)
		curl_multi_wakeup(cl->multi); /* the I/O thread may be waiting in poll */
done:
	if (rc == DM_ENOMEM)
		dm__error(cl->ctx, rc, "%s: out of memory queuing the request", nz(req->api));
	req_free(r);
	return rc;
}

/* ---- one attempt --------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = size * n;

	if (dm__buf_put(&r->resp, data, len) < 0) {
		r->too_big = 1;
		return 0;
	}
	return len;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	size_t s, e;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	s = nl + 1;
	while (s < len && (line[s] == ' ' || line[s] == '\t'))
		s++;
	e = len;
	while (e > s && (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' '))
		e--;
	return dm__strndup(line + s, e - s);
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = size * n;
	char *v;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (e.g. after 100-continue): forget what came before */
		r->retry_after_ms = -1;
		free(r->err_type);
		r->err_type = NULL;
		return len;
	}
	v = header_value(data, len, "retry-after");
	if (v) {
		long long secs;

		if (dm__parse_ll(v, &secs) == 0 && secs >= 0 && secs < 86400)
			r->retry_after_ms = (long)(secs * 1000);
		free(v);
		return len;
	}
	v = header_value(data, len, "x-amzn-errortype");
	if (v) {
		free(r->err_type);
		r->err_type = v;
	}
	return len;
}

/* Split "https://host:port/base" into host[:port] and base path (without trailing '/'). */
static int split_endpoint(const char *ep, char **host, char **base)
{
	const char *p = strstr(ep, "://"), *slash;
	size_t bl;

	*host = NULL;
	*base = NULL;
	if (!p)
		return DM_EINVAL;
	p += 3;
	slash = strchr(p, '/');
	*host = slash ? dm__strndup(p, (size_t)(slash - p)) : dm__strdup(p);
	bl = slash ? strlen(slash) : 0;
	while (bl > 0 && slash[bl - 1] == '/')
		bl--;
	*base = dm__strndup(slash ? slash : "", bl);
	if (!*host || !*base || !**host) {
		free(*host);
		free(*base);
		*host = *base = NULL;
		return DM_EINVAL;
	}
	return 0;
}

static CURL *easy_get(aws_client *cl)
{
	if (cl->npool > 0)
		return cl->pool[--cl->npool];
	return curl_easy_init();
}

static void easy_put(aws_client *cl, CURL *e)
{
	if (!e)
		return;
	curl_easy_reset(e);
	if (dm__grow((void **)&cl->pool, &cl->cappool, cl->npool + 1, sizeof(*cl->pool)) < 0) {
		curl_easy_cleanup(e);
		return;
	}
	cl->pool[cl->npool++] = e;
}

static int add_header(struct curl_slist **l, const char *name, const char *value)
{
	dm_buf b = DM_BUF_INIT;
	struct curl_slist *n;
	int rc = dm__buf_printf(&b, "%s: %s", name, value);

	if (rc < 0)
		return rc;
	n = curl_slist_append(*l, b.ptr);
	if (b.ptr)
		OPENSSL_cleanse(b.ptr, b.len);
	dm__buf_free(&b);
	if (!n)
		return DM_ENOMEM;
	*l = n;
	return 0;
}

static int start_attempt(aws_client *cl, struct req *r)
{
	char *host = NULL, *base = NULL, *spath = NULL, date[17], hash[65];
	aws_header extra[1];
	aws_sign_input in;
	dm_buf url = DM_BUF_INIT;
	int rc;

	memset(&in, 0, sizeof(in));
	slist_free_secure(r->hdrs);
	r->hdrs = NULL;
	if (r->auth) {
		OPENSSL_cleanse(r->auth, strlen(r->auth));
		free(r->auth);
		r->auth = NULL;
	}
	free(r->url);
	r->url = NULL;
	free(r->err_type);
	r->err_type = NULL;
	r->retry_after_ms = -1;
	r->too_big = 0;
	r->errbuf[0] = '\0';
	dm__buf_reset(&r->resp);

	rc = split_endpoint(r->endpoint, &host, &base);
	if (rc < 0) {
		rc = dm__error(cl->ioctx, DM_EINVAL, "%s: bad endpoint URL '%s'", r->api, r->endpoint);
		goto done;
	}
	rc = DM_ENOMEM;
	spath = dm__calloc(1, strlen(base) + strlen(r->path) + 2);
	if (!spath)
		goto done;
	memcpy(spath, base, strlen(base));
	memcpy(spath + strlen(base), r->path, strlen(r->path) + 1);
	aws_sigv4_amz_date((long long)time(NULL), date);

	in.method = r->method;
	in.host = host;
	in.path = spath;
	in.query = r->query;
	if (r->ctype) {
		extra[0].name = "content-type";
		extra[0].value = r->ctype;
		in.headers = extra;
		in.nheaders = 1;
	}
	in.body = r->body;
	in.body_len = r->body_len;
	in.region = r->region;
	in.service = r->service;
	in.amz_date = date;
	in.s3_payload_header = strcmp(r->service, "s3") == 0;
	rc = r->creds.access_key_id ? aws_sigv4_sign(&in, &r->creds, &r->auth, hash) : 0;
	if (rc < 0) {
		dm__error(cl->ioctx, rc, "%s: cannot sign the request", r->api);
		goto done;
	}
	rc = DM_ENOMEM;
	if (add_header(&r->hdrs, "Host", host) < 0 || add_header(&r->hdrs, "X-Amz-Date", date) < 0 ||
	    (r->creds.session_token && *r->creds.session_token &&
	     add_header(&r->hdrs, "X-Amz-Security-Token", r->creds.session_token) < 0) ||
	    (in.s3_payload_header && r->auth && add_header(&r->hdrs, "X-Amz-Content-Sha256", hash) < 0) ||
	    (r->ctype && add_header(&r->hdrs, "Content-Type", r->ctype) < 0) ||
	    (r->auth && add_header(&r->hdrs, "Authorization", r->auth) < 0) ||
	    add_header(&r->hdrs, "Expect", "") < 0)
		goto done;
	if (!r->ctype) {
		/* "Content-Type:" with no value removes curl's default */
		struct curl_slist *n = curl_slist_append(r->hdrs, "Content-Type:");

		if (!n)
			goto done;
		r->hdrs = n;
	}
	if (dm__buf_printf(&url, "%s%s%s%s", r->endpoint, r->path, *r->query ? "?" : "",
			   r->query) < 0)
		goto done;
	/* endpoint may end with '/': avoid "//" */
	{
		size_t el = strlen(r->endpoint);

		if (el > 0 && r->endpoint[el - 1] == '/' && r->path[0] == '/') {
			dm__buf_reset(&url);
			if (dm__buf_printf(&url, "%.*s%s%s%s", (int)(el - 1), r->endpoint, r->path,
					   *r->query ? "?" : "", r->query) < 0)
				goto done;
		}
	}
	r->url = dm__buf_detach(&url);
	if (!r->url)
		goto done;

	r->easy = easy_get(cl);
	if (!r->easy)
		goto done;
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cl->o.ca_bundle)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, cl->o.ca_bundle);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, cl->ua);
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)cl->o.timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(cl->o.timeout_ms < 10000 ? cl->o.timeout_ms : 10000));
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (strcmp(r->method, "GET") == 0) {
		curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->method);
		if (r->body) {
			curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
			curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		}
	}
	if (curl_multi_add_handle(cl->multi, r->easy) != CURLM_OK) {
		easy_put(cl, r->easy);
		r->easy = NULL;
		rc = dm__error(cl->ioctx, DM_EHTTP, "%s: cannot start the request", r->api);
		goto done;
	}
	r->attempts++;
	(*r->counter)++;
	cl->total++;
	cl->inflight++;
	if (cl->inflight > cl->peak)
		cl->peak = cl->inflight;
	rc = 0;
done:
	if (rc == DM_ENOMEM)
		dm__error(cl->ioctx, rc, "%s: out of memory preparing the request", r->api);
	dm__buf_free(&url);
	free(host);
	free(base);
	free(spath);
	return rc;
}

/* ---- completion ---------------------------------------------------------------- */

static void complete(aws_client *cl, struct req *r, int rc, long status, char *code, char *msg)
{
	aws_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = status;
	resp.attempts = r->attempts;
	resp.error_code = code;
	resp.error_message = msg;
	if (rc == 0) {
		resp.body_len = r->resp.len;
		resp.body = dm__buf_detach(&r->resp);
		if (!resp.body)
			resp.body = dm__strdup("");
		if (!resp.body) {
			resp.body_len = 0;
			rc = dm__error(cl->ctx, DM_ENOMEM, "%s: out of memory", r->api);
		}
	}
	if (r->flag)
		*r->flag = 1;
	if (r->done)
		r->done(cl, rc, &resp, r->ud);
	aws_response_free(&resp);
	req_free(r);
}

/*
 * Queue the completion of a finished request (cl->mu held): the I/O side
 * starts the requests waiting for a slot first and the callbacks (which parse
 * and map the response) run after, or on the worker, so the next round trips
 * overlap the parsing. The error message the I/O side set is kept with the
 * request and set in ctx just before its callback runs.
 */
static void defer_complete(aws_client *cl, struct req *r, int rc, long status, char *code,
			   char *msg, int has_err)
{
	r->d_rc = rc;
	r->d_status = status;
	r->d_code = code;
	r->d_msg = msg;
	r->d_err = has_err ? dm__strdup(dm_ctx_last_error(cl->ioctx)) : NULL;
	r->d_errcode = has_err ? dm_ctx_last_error_code(cl->ioctx) : 0;
	r->dnext = NULL;
	if (cl->dtail)
		cl->dtail->dnext = r;
	else
		cl->dhead = r;
	cl->dtail = r;
	pthread_cond_signal(&cl->cv);
}

/* Run the callback of a finished request taken off the list (cl->mu not held). */
static void run_one(aws_client *cl, struct req *r)
{
	if (r->d_err)
		dm__error(cl->ctx, r->d_errcode ? r->d_errcode : DM_EAPI, "%s", r->d_err);
	free(r->d_err);
	r->d_err = NULL;
	complete(cl, r, r->d_rc, r->d_status, r->d_code, r->d_msg);
}

/* Take the first finished request off the list (cl->mu held). */
static struct req *take_finished(aws_client *cl)
{
	struct req *r = cl->dhead;

	if (r) {
		cl->dhead = r->dnext;
		if (!cl->dhead)
			cl->dtail = NULL;
	}
	return r;
}

static int retryable_code(const char *code)
{
	static const char *const codes[] = {
		"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
		"ServiceUnavailable", "ServiceUnavailableException", "IDPCommunicationError",
	};

	for (size_t i = 0; code && i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (strcmp(code, codes[i]) == 0)
			return 1;
	}
	return 0;
}

static int retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_WEIRD_SERVER_REPLY:
		return 1;
	default:
		return 0;
	}
}

static long long backoff_ms(aws_client *cl, const struct req *r)
{
	unsigned shift = r->attempts > 20 ? 20 : r->attempts - 1;
	unsigned long long cap = (unsigned long long)cl->o.base_backoff_ms << shift;
	long long d;

	if (cap > cl->o.max_backoff_ms)
		cap = cl->o.max_backoff_ms;
	d = (long long)(prng_next(cl) % (cap + 1)); /* full jitter: [0, cap] */
	if (r->retry_after_ms >= 0) {
		long long ra = r->retry_after_ms;

		if (ra > (long long)cl->o.max_backoff_ms)
			ra = cl->o.max_backoff_ms;
		if (ra > d)
			d = ra;
	}
	return d;
}

static void requeue(aws_client *cl, struct req *r, long long delay)
{
	r->not_before_ms = now_ms() + delay;
	r->next = NULL;
	if (cl->tail)
		cl->tail->next = r;
	else
		cl->head = r;
	cl->tail = r;
}

static void finish(aws_client *cl, struct req *r, CURLcode cc)
{
	long status = 0;
	char *code = NULL, *msg = NULL;
	int retry = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(cl->multi, r->easy);
	easy_put(cl, r->easy);
	r->easy = NULL;
	cl->inflight--;

	if (r->too_big) {
		dm__error(cl->ioctx, DM_ETOOBIG, "%s: response body exceeds the %zu-byte limit", r->api,
			  r->resp.max);
		defer_complete(cl, r, DM_ETOOBIG, status, NULL, NULL, 1);
		return;
	}
	if (cc != CURLE_OK) {
		if (retryable_curl(cc) && r->attempts <= cl->o.max_retries && !cl->cancelled) {
			long long d = backoff_ms(cl, r);

			dm__log(cl->ioctx, DM_LOG_DEBUG, "%s: %s; retry %u in %lld ms", r->api,
				curl_easy_strerror(cc), r->attempts, d);
			requeue(cl, r, d);
			return;
		}
		dm__error(cl->ioctx, DM_EHTTP, "%s: request to %s failed after %u attempt%s: %s", r->api,
			  r->endpoint, r->attempts, r->attempts == 1 ? "" : "s",
			  r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc));
		defer_complete(cl, r, DM_EHTTP, status, NULL, NULL, 1);
		return;
	}
	if (status >= 300 || status < 100) { /* redirects are not followed: an error too */
		aws_error_parse(r->resp.ptr, r->resp.len, &code, &msg);
		if (!code && r->err_type)
			code = aws_error_code_clean(r->err_type);
		retry = aws_error_is_throttle(code, status) || status >= 500 || status < 100 ||
			retryable_code(code);
		if (retry && r->attempts <= cl->o.max_retries && !cl->cancelled) {
			long long d = backoff_ms(cl, r);

			dm__log(cl->ioctx, DM_LOG_DEBUG, "%s: HTTP %ld %s; retry %u in %lld ms", r->api,
				status, code ? code : "", r->attempts, d);
			free(code);
			free(msg);
			requeue(cl, r, d);
			return;
		}
		if (!code) {
			char ex[48], buf[40];
			dm_buf m = DM_BUF_INIT;

			aws_body_excerpt(r->resp.ptr, r->resp.len, ex, sizeof(ex));
			snprintf(buf, sizeof(buf), "HTTP%ld", status);
			code = dm__strdup(buf);
			free(msg);
			if (r->resp.len == 0)
				dm__buf_printf(&m, "empty response (HTTP %ld)", status);
			else if (ex[0] == '{')
				dm__buf_printf(&m, "response has no AWS error code (HTTP %ld, starts with '%s')",
					       status, ex);
			else
				dm__buf_printf(&m, "response is not XML (HTTP %ld, starts with '%s')",
					       status, ex);
			msg = dm__buf_detach(&m);
			if (retry)
				dm__error(cl->ioctx, DM_EAPI, "%s: %s; gave up after %u attempts", r->api,
					  msg ? msg : "", r->attempts);
			else
				dm__error(cl->ioctx, DM_EAPI, "%s: %s", r->api, msg ? msg : "");
		} else if (retry) {
			dm__error(cl->ioctx, DM_EAPI, "%s: %s: %s (HTTP %ld, gave up after %u attempts)",
				  r->api, code, msg ? msg : "", status, r->attempts);
		} else {
			dm__error(cl->ioctx, DM_EAPI, "%s: %s: %s (HTTP %ld)", r->api, code,
				  msg ? msg : "", status);
		}
	}
	defer_complete(cl, r, 0, status, code, msg, status >= 300 || status < 100);
}

/* ---- the loop ---------------------------------------------------------------------- */

/*
 * Start what may start (cl->mu held); returns ms until the earliest delayed
 * request (or -1). Requests that cannot start complete through the finished
 * list like any other.
 */
static long long start_ready(aws_client *cl)
{
	struct req *prev = NULL, *r = cl->head;
	long long now = now_ms(), wait = -1;

	if (cl->cancelled) {
		/* nothing new starts; the callbacks still run (they own their user data) */
		while (cl->head) {
			r = cl->head;
			cl->head = r->next;
			if (!cl->head)
				cl->tail = NULL;
			r->next = NULL;
			defer_complete(cl, r, DM_EHTTP, 0, NULL, NULL, 0);
		}
		return -1;
	}
	while (r && cl->inflight < cl->o.concurrency) {
		struct req *next = r->next;
		long long w = r->not_before_ms > now ? r->not_before_ms - now : 0;

		if (w == 0)
			w = bucket_take(cl, r, now);
		if (w > 0) {
			if (r->not_before_ms <= now)
				r->not_before_ms = now + w;
			if (wait < 0 || w < wait)
				wait = w;
			prev = r;
			r = next;
			continue;
		}
		/* unlink */
		if (prev)
			prev->next = next;
		else
			cl->head = next;
		if (cl->tail == r)
			cl->tail = prev;
		r->next = NULL;
		if (start_attempt(cl, r) < 0)
			defer_complete(cl, r, dm_ctx_last_error_code(cl->ioctx) ?
					      dm_ctx_last_error_code(cl->ioctx) : DM_ERROR,
				       0, NULL, NULL, 1);
		r = next;
	}
	return wait;
}

/*
 * Collect the transfers curl has finished and refill their slots at once: the
 * next requests go out before any response is parsed.
 */
static CURLMcode pump(aws_client *cl)
{
	int running = 0, nmsg = 0, done = 0;
	CURLMsg *m;
	CURLMcode mc = CURLM_OK;

	if (cl->inflight > 0)
		mc = curl_multi_perform(cl->multi, &running);
	pthread_mutex_lock(&cl->mu);
	while (mc == CURLM_OK && (m = curl_multi_info_read(cl->multi, &nmsg)) != NULL) {
		struct req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r) {
			finish(cl, r, m->data.result);
			done++;
		}
	}
	if (mc == CURLM_OK && done)
		start_ready(cl);
	pthread_mutex_unlock(&cl->mu);
	if (mc == CURLM_OK && done && cl->inflight > 0)
		mc = curl_multi_perform(cl->multi, &running);
	return mc;
}

/*
 * Without the worker (aws_client_call): run the callbacks of the finished
 * requests here. Between two callbacks the engine is pumped, so a response
 * that arrives while a big page is being parsed frees its slot at once.
 */
static CURLMcode run_deferred(aws_client *cl)
{
	CURLMcode mc = CURLM_OK;

	for (;;) {
		struct req *r;

		pthread_mutex_lock(&cl->mu);
		r = take_finished(cl);
		pthread_mutex_unlock(&cl->mu);
		if (!r)
			break;
		run_one(cl, r);
		if (mc == CURLM_OK && (cl->inflight > 0 || cl->head))
			mc = pump(cl);
	}
	return mc;
}

/* The callback worker: finished requests in order, until told to stop. */
static void *worker_main(void *arg)
{
	aws_client *cl = arg;

	pthread_mutex_lock(&cl->mu);
	for (;;) {
		struct req *r;

		while (!cl->dhead && !cl->stop)
			pthread_cond_wait(&cl->cv, &cl->mu);
		r = take_finished(cl);
		if (!r)
			break; /* stop, and nothing left */
		cl->busy = 1;
		pthread_mutex_unlock(&cl->mu);
		run_one(cl, r);
		pthread_mutex_lock(&cl->mu);
		cl->busy = 0;
		/* the I/O thread waits for new requests or for the end of the run */
		curl_multi_wakeup(cl->multi);
	}
	pthread_mutex_unlock(&cl->mu);
	return NULL;
}

/*
 * One turn of the I/O side: start what may start, wait for transfers (or a
 * timer, or the worker's wakeup), collect what finished. *idle is set when
 * nothing is pending, in flight or finished-but-unhandled.
 */
static CURLMcode io_turn(aws_client *cl, int *idle)
{
	long long wait;
	int running = 0;
	CURLMcode mc = CURLM_OK;

	pthread_mutex_lock(&cl->mu);
	wait = start_ready(cl);
	*idle = !cl->head && !cl->inflight && !cl->dhead && !cl->busy;
	pthread_mutex_unlock(&cl->mu);
	if (*idle)
		return CURLM_OK;
	if (wait < 0 || wait > 1000)
		wait = 1000;
	if (cl->inflight > 0) {
		mc = curl_multi_perform(cl->multi, &running);
		if (mc == CURLM_OK && running > 0 && (unsigned)running == cl->inflight)
			mc = curl_multi_poll(cl->multi, NULL, 0, (int)wait, NULL);
	} else if (cl->threaded) {
		/* only the worker (or a timer) can bring work: wait for its wakeup */
		mc = curl_multi_poll(cl->multi, NULL, 0, (int)wait, NULL);
	} else if (wait > 0 && !cl->dhead) {
		struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	/* refill the freed slots and send before parsing what came back */
	if (mc == CURLM_OK)
		mc = pump(cl);
	return mc;
}

static int engine_failure(aws_client *cl, CURLMcode mc)
{
	return dm__error(cl->ctx, DM_EHTTP, "aws: HTTP engine failure: %s", curl_multi_strerror(mc));
}

/* Everything on the calling thread, until *flag (aws_client_call) or the end. */
static int run_loop(aws_client *cl, const int *flag)
{
	while (!(flag && *flag)) {
		int idle = 0;
		CURLMcode mc = io_turn(cl, &idle), mc2;

		mc2 = run_deferred(cl);
		if (mc == CURLM_OK)
			mc = mc2;
		if (mc != CURLM_OK)
			return engine_failure(cl, mc);
		if (idle)
			break;
	}
	return 0;
}

/* The I/O side on this thread, the callbacks on a worker (see the top of the file). */
static int run_threaded(aws_client *cl)
{
	pthread_t th;
	CURLMcode mc = CURLM_OK;
	int idle = 0;

	memset(&cl->ioctx_store, 0, sizeof(cl->ioctx_store));
	cl->ioctx_store.log_fn = cl->ctx->log_fn;
	cl->ioctx_store.log_ud = cl->ctx->log_ud;
	cl->ioctx_store.log_level = cl->ctx->log_level;
	cl->ioctx = &cl->ioctx_store;
	cl->stop = 0;
	cl->threaded = 1;
	if (pthread_create(&th, NULL, worker_main, cl) != 0) {
		cl->threaded = 0;
		cl->ioctx = cl->ctx;
		return run_loop(cl, NULL);
	}
	while (mc == CURLM_OK && !idle)
		mc = io_turn(cl, &idle);
	if (mc != CURLM_OK) {
		/* nothing more is sent; what is in flight is abandoned with its callbacks */
		pthread_mutex_lock(&cl->mu);
		cl->cancelled = 1;
		pthread_mutex_unlock(&cl->mu);
	}
	pthread_mutex_lock(&cl->mu);
	cl->stop = 1;
	pthread_cond_signal(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
	pthread_join(th, NULL);
	cl->threaded = 0;
	cl->ioctx = cl->ctx;
	if (mc != CURLM_OK)
		return engine_failure(cl, mc);
	/* requests queued by the last callbacks after a failure: end them here */
	return cl->head || cl->dhead ? run_loop(cl, NULL) : 0;
}

void aws_client_cancel(aws_client *cl)
{
	if (!cl)
		return;
	pthread_mutex_lock(&cl->mu);
	cl->cancelled = 1;
	pthread_mutex_unlock(&cl->mu);
}

int aws_client_run(aws_client *cl)
{
	return run_threaded(cl);
}

struct sync_ud {
	int rc;
	aws_response *resp;
};

static void sync_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct sync_ud *s = ud;

	s->rc = rc;
	memset(s->resp, 0, sizeof(*s->resp));
	s->resp->status = resp->status;
	s->resp->attempts = resp->attempts;
	s->resp->body_len = resp->body_len;
	s->resp->body = resp->body ? dm__strndup(resp->body, resp->body_len) : NULL;
	s->resp->error_code = dm__strdup(resp->error_code);
	s->resp->error_message = dm__strdup(resp->error_message);
	if (rc == 0 && resp->body && !s->resp->body)
		s->rc = dm__error(aws_client_ctx(cl), DM_ENOMEM, "aws: out of memory");
	else if (rc == 0 && resp->status >= 300)
		s->rc = DM_EAPI; /* the engine already set the one-line error */
}

int aws_client_call(aws_client *cl, const aws_request *req, const aws_creds *creds,
		    aws_response *resp)
{
	struct sync_ud s = { DM_ERROR, resp };
	int flag = 0, rc;

	memset(resp, 0, sizeof(*resp));
	if (cl->threaded) /* from a callback: the run's I/O is on another thread */
		return dm__error(cl->ctx, DM_EINVAL, "%s: synchronous call inside a run", nz(req->api));
	rc = aws_client_submit(cl, req, creds, sync_done, &s);
	if (rc < 0)
		return rc;
	cl->tail->flag = &flag;
	rc = run_loop(cl, &flag);
	if (rc < 0)
		return rc;
	return flag ? s.rc : dm__error(cl->ctx, DM_ERROR, "%s: request did not complete", nz(req->api));
}
