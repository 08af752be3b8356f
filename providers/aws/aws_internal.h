/*
 * driftmap AWS provider — internal interfaces shared by the files of
 * providers/aws/. Never installed.
 *
 *   aws_sigv4.c   SigV4 signing (OpenSSL)
 *   aws_creds.c   credential chain (env, profiles, role_arn/source_profile,
 *                 credential_process, web identity), endpoints, regions
 *   aws_http.c    the one HTTP engine: libcurl multi, bounded in-flight
 *                 requests, token bucket per (account, region, service),
 *                 retries with backoff + full jitter, Retry-After, timeouts
 *   aws_xml.c     safe libxml2 parsing + helpers; AWS error shapes
 *   aws_sts.c     GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity
 *   aws_ec2.c     EC2 enumeration + mapping into Terraform's schema
 *   aws_iam.c     IAM (GetAccountAuthorizationDetails) enumeration + mapping
 *   aws_eks.c     EKS enumeration + mapping
 *   aws_s3.c      s3:// state source
 *   aws_types.c   the AWS type table
 *   aws_provider.c the dm_provider vtable: orchestrates accounts x regions
 */
#ifndef DM_AWS_INTERNAL_H
#define DM_AWS_INTERNAL_H

#include <libxml/tree.h>
#include "internal.h"

/* ---- credentials ------------------------------------------------------ */

typedef struct aws_creds {
	char *access_key_id;
	char *secret_access_key; /* never logged */
	char *session_token;     /* may be NULL; never logged */
	long long expires_at;    /* 0 = no expiry */
} aws_creds;

void aws_creds_clear(aws_creds *c); /* frees and zeroes the secrets */

/* ---- SigV4 ------------------------------------------------------------- */

typedef struct aws_header {
	const char *name;
	const char *value;
} aws_header;

typedef struct aws_sign_input {
	const char *method;        /* "POST" */
	const char *host;          /* "ec2.us-east-1.amazonaws.com" or "127.0.0.1:5000" */
	const char *path;          /* "/" (already URI-encoded as sent) */
	const char *query;         /* raw query string without '?', may be "" */
	const aws_header *headers; /* extra headers to sign (besides host, x-amz-date, x-amz-security-token) */
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *region;        /* "us-east-1" */
	const char *service;       /* "ec2" */
	const char *amz_date;      /* "20261123T101500Z" */
	int s3_payload_header;     /* add x-amz-content-sha256 */
} aws_sign_input;

/**
 * Compute the Authorization header value (and the payload hash) for input.
 * out_auth receives a malloc'd "AWS4-HMAC-SHA256 Credential=…" string.
 */
int aws_sigv4_sign(const aws_sign_input *in, const aws_creds *creds, char **out_auth,
		   char out_payload_hash[65]);

/* ---- the HTTP engine --------------------------------------------------- */

typedef struct aws_request {
	const char *service;      /* signing service: "ec2", "iam", "eks", "sts", "s3" */
	const char *region;       /* signing region */
	const char *account;      /* for the token bucket + API call counts */
	const char *endpoint;     /* base URL "https://ec2.us-east-1.amazonaws.com" (resolved by caller) */
	const char *method;       /* "GET"/"POST" */
	const char *path;         /* "/" or "/clusters/x" */
	const char *query;        /* raw query, may be NULL */
	const char *body;         /* may be NULL */
	size_t body_len;
	const char *content_type; /* may be NULL */
	const char *api;          /* "ec2:DescribeVpcs" — scope name for counts and errors */
} aws_request;

typedef struct aws_response {
	long status;              /* HTTP status of the final attempt */
	char *body;               /* NUL-terminated */
	size_t body_len;
	char *error_code;         /* AWS error code when status >= 400 (parsed from any of the 3 shapes) */
	char *error_message;
	unsigned attempts;
} aws_response;

typedef struct aws_client aws_client;

typedef struct aws_client_options {
	unsigned concurrency;      /* max requests in flight (default 16) */
	unsigned max_retries;      /* default 8 */
	unsigned base_backoff_ms;  /* default 100 */
	unsigned max_backoff_ms;   /* default 20000 */
	unsigned timeout_ms;       /* per request (default 30000) */
	double bucket_rate;        /* tokens per second per (account, region, service); default 20 */
	double bucket_burst;       /* default 100 */
	const char *ca_bundle;     /* custom CA file or NULL */
} aws_client_options;

/**
 * Completion callback: rc is 0 when a response arrived (resp->status may be
 * >= 400 after retries), <0 on transport failure after retries (ctx error
 * set with a one-line message). The callback may submit more requests
 * (pagination). resp is borrowed for the duration of the call.
 */
typedef void (*aws_done_fn)(aws_client *cl, int rc, const aws_response *resp, void *ud);

int aws_client_new(aws_client **out, dm_ctx *ctx, const aws_client_options *opts);
void aws_client_free(aws_client *cl);
/** Queue a signed request. Strings of req are copied. */
int aws_client_submit(aws_client *cl, const aws_request *req, const aws_creds *creds,
		      aws_done_fn done, void *ud);
/** Run until every queued request (and those queued by callbacks) finished. */
int aws_client_run(aws_client *cl);
/** Synchronous helper: submit + run one request. Caller frees resp with aws_response_free. */
int aws_client_call(aws_client *cl, const aws_request *req, const aws_creds *creds,
		    aws_response *resp);
void aws_response_free(aws_response *r);
/** API calls sent so far for an api scope name (attempts included). */
unsigned aws_client_calls(const aws_client *cl, const char *account, const char *region,
			  const char *api);
dm_ctx *aws_client_ctx(aws_client *cl);

/** Build a form-encoded Query API body: Action=…&Version=…&k=v… (values URL-encoded). */
char *aws_query_body(const char *action, const char *version, const char *const *kv, size_t nkv);
/** URI-encode per SigV4 rules (encode_slash: also '/'). Caller frees. */
char *aws_uri_encode(const char *s, int encode_slash);
/** Percent-decode (for IAM policy documents). Caller frees. */
char *aws_url_decode(const char *s);

/* ---- endpoints and regions ------------------------------------------- */

/**
 * Endpoint URL for (service, region): AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com (IAM:
 * https://iam.amazonaws.com; cn regions: .amazonaws.com.cn). Caller frees.
 */
char *aws_endpoint_url(const char *service, const char *region);

/* ---- XML (libxml2, no network, no entities) ------------------------------ */

/** Parse an XML body safely; on a non-XML/HTML body returns DM_EPARSE with a one-line error naming api. */
int aws_xml_parse(dm_ctx *ctx, const char *body, size_t len, const char *api, xmlDocPtr *out);
/** First child element named `name` (namespace ignored); NULL when none. */
xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name);
/** Text of child `name` (malloc'd) or NULL. */
char *aws_xml_child_text(xmlNodePtr parent, const char *name);
/** Extract (code, message) from any AWS error body (EC2 <Response><Errors>, IAM/STS <ErrorResponse>, JSON). */
void aws_error_parse(const char *body, size_t len, char **code, char **message);
/** Is this AWS error code / HTTP status a throttling error? */
int aws_error_is_throttle(const char *code, long status);

#endif
