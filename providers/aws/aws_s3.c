/*
 * The s3:// state source: GetObject of s3://BUCKET/KEY, or ListObjectsV2
 * (with continuation tokens) over the literal prefix of a glob KEY, then
 * GetObject of every matching key. Path-style addressing when an endpoint
 * is configured (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL: emulators, MinIO),
 * virtual-hosted otherwise. Requests are signed with x-amz-content-sha256.
 */
#include <stdlib.h>
#include <string.h>
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_creds.h"
#include "driftmap/state.h"
#include "source_s3.h"

#define S3_MAX_KEYS 100000

typedef struct s3_target {
	char *bucket;
	char *key; /* may hold glob characters */
	char *base; /* endpoint base: "https://b.s3.r.amazonaws.com" or "http://127.0.0.1:5000/b" */
	const char *region;
	char *region_owned; /* after a region redirect */
	const aws_creds *creds;
	aws_client *cl;
	dm_ctx *ctx;
} s3_target;

static int parse_src(dm_ctx *ctx, const char *src, char **bucket, char **key)
{
	const char *p, *slash;

	*bucket = *key = NULL;
	if (strncmp(src, "s3://", 5) != 0)
		return dm__error(ctx, DM_EINVAL, "%s: not an s3:// URL", src);
	p = src + 5;
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1])
		return dm__error(ctx, DM_EINVAL, "%s: expected s3://BUCKET/KEY", src);
	*bucket = dm__strndup(p, (size_t)(slash - p));
	*key = dm__strdup(slash + 1);
	if (!*bucket || !*key) {
		free(*bucket);
		free(*key);
		*bucket = *key = NULL;
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
	}
	return 0;
}

/* Path-style when the endpoint was configured or the bucket name has dots. */
static char *bucket_base(const char *bucket, const char *region)
{
	char *ep = aws_endpoint_url("s3", region);
	dm_buf def = DM_BUF_INIT, b = DM_BUF_INIT;
	int configured, rc;

	if (!ep)
		return NULL;
	if (dm__buf_printf(&def, "https://s3.%s.%s", region,
			   strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com") < 0) {
		free(ep);
		return NULL;
	}
	configured = strcmp(ep, def.ptr) != 0;
	if (configured || strchr(bucket, '.'))
		rc = dm__buf_printf(&b, "%s/%s", ep, bucket);
	else
		rc = dm__buf_printf(&b, "https://%s.%s", bucket, def.ptr + strlen("https://"));
	free(ep);
	dm__buf_free(&def);
	if (rc < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

/*
 * The bucket lives in another region: AWS answers 301 PermanentRedirect
 * (<Endpoint>bucket.s3.REGION.amazonaws.com</Endpoint>) or 400
 * AuthorizationHeaderMalformed (<Region>REGION</Region>). Returns the
 * region to use (malloc'd) or NULL.
 */
static char *redirect_region(const aws_response *resp)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	char *region = NULL, *ep = NULL;

	if (!resp->error_code || (strcmp(resp->error_code, "PermanentRedirect") != 0 &&
				  strcmp(resp->error_code, "AuthorizationHeaderMalformed") != 0 &&
				  strcmp(resp->error_code, "IllegalLocationConstraintException") != 0))
		return NULL;
	if (aws_xml_parse(NULL, resp->body, resp->body_len, "s3", &doc) < 0)
		return NULL;
	root = xmlDocGetRootElement(doc);
	region = aws_xml_child_text(root, "Region");
	if (!region) {
		const char *p, *e;

		ep = aws_xml_child_text(root, "Endpoint");
		p = ep ? strstr(ep, ".s3.") : NULL;
		e = p ? strstr(p + 4, ".amazonaws.com") : NULL;
		if (p && e && e > p + 4)
			region = dm__strndup(p + 4, (size_t)(e - (p + 4)));
	}
	free(ep);
	xmlFreeDoc(doc);
	if (region && (!*region || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))) {
		free(region);
		region = NULL;
	}
	return region;
}

static int s3_get_once(s3_target *t, const char *api, const char *path, const char *query,
		       aws_response *resp);

static int s3_get(s3_target *t, const char *api, const char *path, const char *query,
		  aws_response *resp)
{
	int rc = s3_get_once(t, api, path, query, resp);
	char *region, *base;

	if (rc != DM_EAPI || t->region_owned)
		return rc;
	region = redirect_region(resp);
	if (!region || strcmp(region, t->region) == 0) {
		free(region);
		return rc;
	}
	base = bucket_base(t->bucket, region);
	if (!base) {
		free(region);
		return rc;
	}
	free(t->base);
	t->base = base;
	t->region_owned = region;
	t->region = region;
	aws_response_free(resp);
	dm_ctx_clear_error(t->ctx);
	return s3_get_once(t, api, path, query, resp);
}

static int s3_get_once(s3_target *t, const char *api, const char *path, const char *query,
		       aws_response *resp)
{
	aws_request req;

	memset(&req, 0, sizeof(req));
	req.service = "s3";
	req.region = t->region;
	req.account = "";
	req.endpoint = t->base;
	req.method = "GET";
	req.path = path;
	req.query = query;
	req.api = api;
	return aws_client_call(t->cl, &req, t->creds, resp);
}

static int get_object(s3_target *t, dm_inventory *into, const char *key)
{
	char *enc = aws_uri_encode(key, 0), *path = NULL, *uri = NULL;
	aws_response resp;
	dm_buf b = DM_BUF_INIT;
	int rc = DM_ENOMEM;

	memset(&resp, 0, sizeof(resp));
	if (!enc || dm__buf_printf(&b, "/%s", enc) < 0)
		goto oom;
	path = dm__buf_detach(&b);
	if (!path || dm__buf_printf(&b, "s3://%s/%s", t->bucket, key) < 0)
		goto oom;
	uri = dm__buf_detach(&b);
	if (!uri)
		goto oom;
	rc = s3_get(t, "s3:GetObject", path, NULL, &resp);
	if (rc < 0) {
		if (resp.status == 404 || (resp.error_code && strcmp(resp.error_code, "NoSuchKey") == 0))
			rc = dm__error(t->ctx, DM_ENOTFOUND, "%s: no such object (%s)", uri,
				       resp.error_code ? resp.error_code : "HTTP 404");
		else if (resp.status == 403)
			rc = dm__error(t->ctx, DM_EAUTH, "%s: access denied (%s)", uri,
				       resp.error_code ? resp.error_code : "HTTP 403");
		else if (rc == DM_EAPI)
			rc = DM_EIO; /* the engine's one-line error names the API and code */
		goto done;
	}
	rc = dm_state_parse(into, t->ctx, resp.body, resp.body_len, uri, NULL);
	goto done;
oom:
	rc = dm__error(t->ctx, DM_ENOMEM, "s3://%s/%s: out of memory", t->bucket, key);
done:
	aws_response_free(&resp);
	dm__buf_free(&b);
	free(enc);
	free(path);
	free(uri);
	return rc;
}

static int list_keys(s3_target *t, const char *prefix, char ***out, size_t *nout)
{
	char **keys = NULL, *token = NULL, *pfx = aws_uri_encode(prefix, 1);
	size_t n = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!pfx)
		return dm__error(t->ctx, DM_ENOMEM, "out of memory");
	for (;;) {
		dm_buf q = DM_BUF_INIT;
		aws_response resp;
		xmlDocPtr doc = NULL;
		xmlNodePtr root;
		char *trunc = NULL, *tok_enc = NULL;

		memset(&resp, 0, sizeof(resp));
		if (token)
			tok_enc = aws_uri_encode(token, 1);
		if ((token && !tok_enc) ||
		    dm__buf_printf(&q, "list-type=2&prefix=%s%s%s", pfx,
				   tok_enc ? "&continuation-token=" : "", tok_enc ? tok_enc : "") < 0) {
			free(tok_enc);
			dm__buf_free(&q);
			rc = dm__error(t->ctx, DM_ENOMEM, "out of memory");
			break;
		}
		free(tok_enc);
		rc = s3_get(t, "s3:ListObjectsV2", "/", q.ptr, &resp);
		dm__buf_free(&q);
		if (rc == 0)
			rc = aws_xml_parse(t->ctx, resp.body, resp.body_len, "s3:ListObjectsV2", &doc);
		aws_response_free(&resp);
		if (rc < 0)
			break;
		root = xmlDocGetRootElement(doc);
		for (xmlNodePtr c = root ? root->children : NULL; c && rc == 0; c = c->next) {
			char *k;

			if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Contents") != 0)
				continue;
			k = aws_xml_child_text(c, "Key");
			if (!k)
				continue;
			if (n >= S3_MAX_KEYS) {
				free(k);
				rc = dm__error(t->ctx, DM_ETOOBIG, "s3://%s/%s: more than %d objects",
					       t->bucket, prefix, S3_MAX_KEYS);
				break;
			}
			rc = dm__grow((void **)&keys, &cap, n + 1, sizeof(*keys));
			if (rc < 0) {
				free(k);
				dm__error(t->ctx, rc, "out of memory");
				break;
			}
			keys[n++] = k;
		}
		trunc = root ? aws_xml_child_text(root, "IsTruncated") : NULL;
		free(token);
		token = NULL;
		if (rc == 0 && trunc && strcmp(trunc, "true") == 0) {
			token = root ? aws_xml_child_text(root, "NextContinuationToken") : NULL;
			if (!token || !*token)
				rc = dm__error(t->ctx, DM_EPARSE,
					       "s3:ListObjectsV2: truncated page without NextContinuationToken");
		}
		free(trunc);
		xmlFreeDoc(doc);
		if (rc < 0 || !token)
			break;
	}
	free(token);
	free(pfx);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			free(keys[i]);
		free(keys);
		return rc;
	}
	*out = keys;
	*nout = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dm__s3_load(dm_inventory *into, dm_ctx *ctx, const char *src)
{
	aws_client *cl = NULL;
	aws_session sess;
	aws_session_opts so;
	s3_target t;
	char *bucket = NULL, *key = NULL, **keys = NULL;
	size_t nkeys = 0, matched = 0;
	int rc;

	memset(&sess, 0, sizeof(sess));
	memset(&t, 0, sizeof(t));
	memset(&so, 0, sizeof(so));
	rc = parse_src(ctx, src, &bucket, &key);
	if (rc < 0)
		return rc;
	rc = aws_client_new(&cl, ctx, NULL);
	if (rc < 0)
		goto done;
	so.client = cl;
	rc = aws_session_resolve(&sess, ctx, &so);
	if (rc < 0)
		goto done;
	t.bucket = bucket;
	t.key = key;
	t.region = sess.region ? sess.region : "us-east-1";
	t.creds = &sess.creds;
	t.cl = cl;
	t.ctx = ctx;
	t.base = bucket_base(bucket, t.region);
	if (!t.base) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
		goto done;
	}
	if (!dm__has_glob(key)) {
		rc = get_object(&t, into, key);
		goto done;
	}
	{
		size_t plen = strcspn(key, "*?[");
		char *prefix = dm__strndup(key, plen);

		if (!prefix) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
			goto done;
		}
		rc = list_keys(&t, prefix, &keys, &nkeys);
		free(prefix);
		if (rc < 0)
			goto done;
	}
	if (nkeys > 1)
		qsort(keys, nkeys, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < nkeys && rc == 0; i++) {
		if (!dm__glob_match(key, keys[i]))
			continue;
		matched++;
		rc = get_object(&t, into, keys[i]);
	}
	if (rc == 0 && matched == 0)
		rc = dm__error(ctx, DM_ENOTFOUND, "%s: no object matches", src);
done:
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	free(t.base);
	free(t.region_owned);
	aws_session_free(&sess);
	aws_client_free(cl);
	free(bucket);
	free(key);
	return rc;
}
