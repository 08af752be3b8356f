/*
 * STS: GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "providers/aws/aws_sts.h"
#include "providers/aws/aws_creds.h"

long long aws_parse_iso8601(const char *s)
{
	struct tm tm;
	const char *p;
	char *end = NULL;
	int y, mo, d, h, mi, se, used = 0;

	if (!s)
		return -1;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 ||
	    used != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	p = s + used;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' && p[1] == '\0')
		return (long long)timegm(&tm);
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		long hh = strtol(p + 1, &end, 10), mm;

		if (end != p + 3)
			return -1;
		mm = strtol(p + 4, &end, 10);
		if (*end)
			return -1;
		return (long long)timegm(&tm) - (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
	}
	return -1;
}

static const char *region_or_default(const char *region)
{
	return region && *region ? region : "us-east-1";
}

/* POST a Query call to STS; parse the XML result element `result`. */
static int sts_call(aws_client *cl, const aws_creds *creds, const char *region, const char *action,
		    const char *const *kv, size_t nkv, xmlDocPtr *out_doc, xmlNodePtr *out_result)
{
	dm_ctx *ctx = aws_client_ctx(cl);
	char *body = NULL, *endpoint = NULL, api[96], rname[96];
	aws_request req;
	aws_response resp;
	xmlDocPtr doc = NULL;
	xmlNodePtr res;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	*out_doc = NULL;
	*out_result = NULL;
	snprintf(api, sizeof(api), "sts:%s", action);
	snprintf(rname, sizeof(rname), "%sResult", action);
	if (!cl)
		return dm__error(ctx, DM_EAUTH, "%s: no HTTP client to reach STS", api);
	body = aws_query_body(action, AWS_STS_VERSION, kv, nkv);
	endpoint = aws_endpoint_url("sts", region_or_default(region));
	rc = DM_ENOMEM;
	if (!body || !endpoint) {
		dm__error(ctx, rc, "%s: out of memory", api);
		goto done;
	}
	req.service = "sts";
	req.region = region_or_default(region);
	req.account = "";
	req.endpoint = endpoint;
	req.method = "POST";
	req.path = "/";
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.api = api;
	rc = aws_client_call(cl, &req, creds, &resp);
	if (rc < 0) {
		if (rc == DM_EAPI)
			rc = DM_EAUTH;
		goto done;
	}
	rc = aws_xml_parse(ctx, resp.body, resp.body_len, api, &doc);
	if (rc < 0)
		goto done;
	res = aws_xml_child(xmlDocGetRootElement(doc), rname);
	if (!res) {
		rc = dm__error(ctx, DM_EPARSE, "%s: response has no <%s>", api, rname);
		goto done;
	}
	*out_doc = doc;
	*out_result = res;
	doc = NULL;
	rc = 0;
done:
	if (doc)
		xmlFreeDoc(doc);
	aws_response_free(&resp);
	if (body) {
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	free(endpoint);
	return rc;
}

struct gci_ud {
	aws_sts_identity_fn fn;
	void *ud;
};

static void gci_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct gci_ud *u = ud;
	dm_ctx *ctx = aws_client_ctx(cl);
	xmlDocPtr doc = NULL;
	xmlNodePtr res;
	char *account = NULL, *arn = NULL;

	if (rc < 0 || !resp) {
		if (rc >= 0 || !*dm_ctx_last_error(ctx))
			rc = dm__error(ctx, rc < 0 ? rc : DM_EHTTP, "sts:GetCallerIdentity: no response");
		goto done;
	}
	if (resp->status >= 300) {
		rc = DM_EAUTH; /* the engine already set the one-line error */
		goto done;
	}
	rc = aws_xml_parse(ctx, resp->body, resp->body_len, "sts:GetCallerIdentity", &doc);
	if (rc < 0)
		goto done;
	res = aws_xml_child(xmlDocGetRootElement(doc), "GetCallerIdentityResult");
	account = res ? aws_xml_child_text(res, "Account") : NULL;
	if (!res) {
		rc = dm__error(ctx, DM_EPARSE,
			       "sts:GetCallerIdentity: response has no <GetCallerIdentityResult>");
		goto done;
	}
	if (!account || !*account) {
		rc = dm__error(ctx, DM_EPARSE, "sts:GetCallerIdentity: response has no Account");
		goto done;
	}
	arn = aws_xml_child_text(res, "Arn");
	rc = 0;
done:
	u->fn(u->ud, rc, rc == 0 ? account : NULL, rc == 0 ? arn : NULL);
	free(account);
	free(arn);
	if (doc)
		xmlFreeDoc(doc);
	free(u);
}

int aws_sts_get_caller_identity_submit(aws_client *cl, const aws_creds *creds, const char *region,
				       aws_sts_identity_fn fn, void *ud)
{
	dm_ctx *ctx = aws_client_ctx(cl);
	char *body = aws_query_body("GetCallerIdentity", AWS_STS_VERSION, NULL, 0);
	char *endpoint = aws_endpoint_url("sts", region_or_default(region));
	struct gci_ud *u = dm__calloc(1, sizeof(*u));
	aws_request req;
	int rc = DM_ENOMEM;

	memset(&req, 0, sizeof(req));
	if (!body || !endpoint || !u) {
		dm__error(ctx, rc, "sts:GetCallerIdentity: out of memory");
		goto done;
	}
	u->fn = fn;
	u->ud = ud;
	req.service = "sts";
	req.region = region_or_default(region);
	req.account = "";
	req.endpoint = endpoint;
	req.method = "POST";
	req.path = "/";
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.api = "sts:GetCallerIdentity";
	rc = aws_client_submit(cl, &req, creds, gci_done, u);
	if (rc == 0)
		u = NULL;
done:
	free(u);
	free(body);
	free(endpoint);
	return rc;
}

int aws_sts_get_caller_identity(aws_client *cl, const aws_creds *creds, const char *region,
				char **out_account, char **out_arn)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr res = NULL;
	char *account = NULL;
	int rc;

	*out_account = NULL;
	if (out_arn)
		*out_arn = NULL;
	rc = sts_call(cl, creds, region, "GetCallerIdentity", NULL, 0, &doc, &res);
	if (rc < 0)
		return rc;
	account = aws_xml_child_text(res, "Account");
	if (!account || !*account) {
		free(account);
		xmlFreeDoc(doc);
		return dm__error(aws_client_ctx(cl), DM_EPARSE,
				 "sts:GetCallerIdentity: response has no Account");
	}
	*out_account = account;
	if (out_arn)
		*out_arn = aws_xml_child_text(res, "Arn");
	xmlFreeDoc(doc);
	return 0;
}

static int read_credentials(dm_ctx *ctx, const char *api, xmlNodePtr res, aws_creds *out)
{
	xmlNodePtr c = aws_xml_child(res, "Credentials");
	char *exp = NULL;

	memset(out, 0, sizeof(*out));
	if (!c)
		return dm__error(ctx, DM_EPARSE, "%s: response has no Credentials", api);
	out->access_key_id = aws_xml_child_text(c, "AccessKeyId");
	out->secret_access_key = aws_xml_child_text(c, "SecretAccessKey");
	out->session_token = aws_xml_child_text(c, "SessionToken");
	exp = aws_xml_child_text(c, "Expiration");
	out->expires_at = exp ? aws_parse_iso8601(exp) : 0;
	if (out->expires_at < 0)
		out->expires_at = 0;
	free(exp);
	if (!out->access_key_id || !*out->access_key_id || !out->secret_access_key ||
	    !*out->secret_access_key) {
		aws_creds_clear(out);
		return dm__error(ctx, DM_EPARSE, "%s: response credentials are incomplete", api);
	}
	return 0;
}

static void default_session_name(char *buf, size_t cap)
{
	snprintf(buf, cap, "driftmap-%lld", (long long)time(NULL));
}

int aws_sts_assume_role(aws_client *cl, const aws_creds *src, const char *region,
			const char *role_arn, const char *session_name, const char *external_id,
			long duration_seconds, aws_creds *out)
{
	const char *kv[8];
	char sess[64], dur[24];
	size_t n = 0;
	xmlDocPtr doc = NULL;
	xmlNodePtr res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!session_name || !*session_name) {
		default_session_name(sess, sizeof(sess));
		session_name = sess;
	}
	kv[n * 2] = "RoleArn";
	kv[n * 2 + 1] = role_arn;
	n++;
	kv[n * 2] = "RoleSessionName";
	kv[n * 2 + 1] = session_name;
	n++;
	if (external_id && *external_id) {
		kv[n * 2] = "ExternalId";
		kv[n * 2 + 1] = external_id;
		n++;
	}
	if (duration_seconds > 0) {
		snprintf(dur, sizeof(dur), "%ld", duration_seconds);
		kv[n * 2] = "DurationSeconds";
		kv[n * 2 + 1] = dur;
		n++;
	}
	rc = sts_call(cl, src, region, "AssumeRole", kv, n, &doc, &res);
	if (rc < 0)
		return rc;
	rc = read_credentials(aws_client_ctx(cl), "sts:AssumeRole", res, out);
	xmlFreeDoc(doc);
	return rc;
}

int aws_sts_assume_role_with_web_identity(aws_client *cl, const char *region,
					  const char *role_arn, const char *session_name,
					  const char *token, aws_creds *out)
{
	const char *kv[6];
	char sess[64];
	xmlDocPtr doc = NULL;
	xmlNodePtr res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!session_name || !*session_name) {
		default_session_name(sess, sizeof(sess));
		session_name = sess;
	}
	kv[0] = "RoleArn";
	kv[1] = role_arn;
	kv[2] = "RoleSessionName";
	kv[3] = session_name;
	kv[4] = "WebIdentityToken";
	kv[5] = token;
	rc = sts_call(cl, NULL, region, "AssumeRoleWithWebIdentity", kv, 3, &doc, &res);
	if (rc < 0)
		return rc;
	rc = read_credentials(aws_client_ctx(cl), "sts:AssumeRoleWithWebIdentity", res, out);
	xmlFreeDoc(doc);
	return rc;
}
