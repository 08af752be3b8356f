/*
 * The scan core of the AWS provider: jobs (one per enumeration scope), the
 * list of mapped resources, completion checks, and the final flush that
 * emits resources of complete scopes and every scope.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "providers/aws/aws_svc_internal.h"
#include "providers/aws/aws_xml.h"

/* ---- reslist ----------------------------------------------------------- */

int aws_reslist_add(aws_reslist *l, const char *type, const char *id, json_t *attrs,
		    unsigned flags)
{
	aws_res *r;

	if (!attrs || !type || !id || dm__grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0) {
		json_decref(attrs);
		return DM_ENOMEM;
	}
	r = &l->v[l->n];
	r->type = dm__strdup(type);
	r->id = dm__strdup(id);
	if (!r->type || !r->id || json_object_set_new(attrs, "id", json_string(id)) < 0) {
		free(r->type);
		free(r->id);
		json_decref(attrs);
		return DM_ENOMEM;
	}
	r->attrs = attrs;
	r->flags = flags;
	l->n++;
	return 0;
}

aws_res *aws_reslist_find(const aws_reslist *l, const char *type, const char *id)
{
	for (size_t i = 0; l && i < l->n; i++) {
		if (strcmp(l->v[i].type, type) == 0 && strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	}
	return NULL;
}

void aws_reslist_free(aws_reslist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].type);
		free(l->v[i].id);
		json_decref(l->v[i].attrs);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *aws_partition_of(const char *region)
{
	if (region && strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (region && strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

/* ---- XML helpers --------------------------------------------------------- */

xmlNodePtr aws__x_next(xmlNodePtr n)
{
	for (n = n ? n->next : NULL; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return n;
	}
	return NULL;
}

xmlNodePtr aws__x_first(xmlNodePtr parent)
{
	xmlNodePtr n = parent ? parent->children : NULL;

	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

xmlNodePtr aws__x_path(xmlNodePtr n, const char *path)
{
	char part[128];

	while (n && path && *path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);

		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		n = aws_xml_child(n, part);
		path = slash ? slash + 1 : NULL;
	}
	return n;
}

int aws__x_text_is(xmlNodePtr parent, const char *name, const char *value)
{
	char *t = aws_xml_child_text(parent, name);
	int is = t && strcmp(t, value) == 0;

	free(t);
	return is;
}

int aws__jset(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, key, v);
}

int aws__j_str(json_t *o, const char *key, xmlNodePtr parent, const char *name, const char *dflt)
{
	xmlNodePtr n = aws_xml_child(parent, name);
	char *t = n ? aws_xml_text(n) : NULL;
	json_t *v;

	if (t)
		v = json_string(t);
	else
		v = dflt ? json_string(dflt) : json_null();
	free(t);
	return aws__jset(o, key, v);
}

int aws__j_bool(json_t *o, const char *key, xmlNodePtr parent, const char *name, int dflt)
{
	char *t = aws_xml_child_text(parent, name);
	int b = t ? strcmp(t, "true") == 0 : dflt;

	free(t);
	return aws__jset(o, key, json_boolean(b));
}

int aws__j_int(json_t *o, const char *key, xmlNodePtr parent, const char *name, long long dflt)
{
	char *t = aws_xml_child_text(parent, name);
	long long v = dflt;

	if (t && dm__parse_ll(t, &v) < 0)
		v = dflt;
	free(t);
	return aws__jset(o, key, json_integer(v));
}

json_t *aws__x_strlist(xmlNodePtr parent, const char *set, const char *field)
{
	json_t *a = json_array();
	xmlNodePtr s = aws_xml_child(parent, set);

	if (!a)
		return NULL;
	AWS_X_EACH(it, s) {
		char *t = field ? aws_xml_child_text(it, field) : aws_xml_text(it);

		if (t && json_array_append_new(a, json_string(t)) < 0) {
			free(t);
			json_decref(a);
			return NULL;
		}
		free(t);
	}
	return a;
}

json_t *aws__x_tags(xmlNodePtr parent, const char *set, const char *kname, const char *vname)
{
	json_t *m = json_object();
	xmlNodePtr s = aws_xml_child(parent, set);

	if (!m)
		return NULL;
	AWS_X_EACH(it, s) {
		char *k = aws_xml_child_text(it, kname);
		char *v = aws_xml_child_text(it, vname);
		int bad = k && json_object_set_new(m, k, json_string(v ? v : "")) < 0;

		free(k);
		free(v);
		if (bad) {
			json_decref(m);
			return NULL;
		}
	}
	return m;
}

int aws__j_tags(json_t *o, json_t *tags)
{
	if (!tags)
		return -1;
	if (aws__jset(o, "tags_all", json_deep_copy(tags)) < 0) {
		json_decref(tags);
		return -1;
	}
	return aws__jset(o, "tags", tags);
}

/* ---- transport over aws_client ----------------------------------------------- */

static int client_submit(void *t, const aws_request *req, const aws_creds *creds, aws_done_fn done,
			 void *ud)
{
	return aws_client_submit(t, req, creds, done, ud);
}

static unsigned client_calls(void *t, const char *account, const char *region, const char *api)
{
	return aws_client_calls(t, account, region, api);
}

aws_transport aws_transport_client(aws_client *cl)
{
	aws_transport tr = { client_submit, client_calls, cl };

	return tr;
}

/* ---- jobs ------------------------------------------------------------------ */

int aws_scan_new(aws_scan **out, dm_ctx *ctx, const aws_transport *tr, const dm_emit *emit,
		 const aws_scan_options *opts)
{
	aws_scan *s = dm__calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return dm__error(ctx, DM_ENOMEM, "aws: out of memory");
	s->ctx = ctx;
	s->tr = *tr;
	s->emit = emit;
	if (opts)
		s->opts = *opts;
	*out = s;
	return 0;
}

/* ---- held completions ------------------------------------------------------ */

struct aws_held {
	struct aws_held *next;
	aws_scan *s;
	aws_client *cl;
	aws_done_fn done;
	void *ud;
	int rc;
	aws_response resp; /* owned copy while held */
};

static void held_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct aws_held *h = ud;
	aws_scan *s = h->s;

	if (!s->held) {
		h->done(cl, rc, resp, h->ud);
		free(h);
		return;
	}
	h->cl = cl;
	h->rc = rc;
	if (resp) {
		h->resp.status = resp->status;
		h->resp.attempts = resp->attempts;
		h->resp.body = resp->body ? dm__strndup(resp->body, resp->body_len) : NULL;
		h->resp.body_len = h->resp.body ? resp->body_len : 0;
		h->resp.error_code = dm__strdup(resp->error_code);
		h->resp.error_message = dm__strdup(resp->error_message);
		if ((resp->body && !h->resp.body) || (resp->error_code && !h->resp.error_code) ||
		    (resp->error_message && !h->resp.error_message)) {
			aws_response_free(&h->resp);
			h->rc = dm__error(s->ctx, DM_ENOMEM, "aws: out of memory holding a response");
		}
	}
	if (s->qtail)
		s->qtail->next = h;
	else
		s->qhead = h;
	s->qtail = h;
}

void aws_scan_set_state_vpcs(aws_scan *s, const dm_strmap *vpcs)
{
	s->state_vpcs = vpcs;
}

void aws_scan_hold(aws_scan *s)
{
	s->held = 1;
}

int aws_scan_release(aws_scan *s, const char *account)
{
	int rc = 0;

	for (aws_job *j = s->head; j; j = j->next) {
		char *a;

		if (!account) {
			j->failed = 1; /* abandoned: no scope is reported, no message */
			continue;
		}
		a = dm__strdup(account);
		if (!a) {
			rc = dm__error(s->ctx, DM_ENOMEM, "aws: out of memory");
			aws__job_fail(j, "%s %s: out of memory", j->api, j->region);
			continue;
		}
		free(j->account);
		j->account = a;
		j->mc.account = a;
	}
	s->held = 0;
	while (s->qhead) {
		struct aws_held *h = s->qhead;

		s->qhead = h->next;
		if (!s->qhead)
			s->qtail = NULL;
		h->done(h->cl, h->rc, &h->resp, h->ud);
		aws_response_free(&h->resp);
		free(h);
	}
	return rc;
}

static void job_free(aws_job *j)
{
	free(j->service);
	free(j->account);
	free(j->req_account);
	free(j->region);
	free(j->sign_region);
	free(j->endpoint);
	free(j->api);
	free(j->error);
	aws_reslist_free(&j->res);
	aws_reslist_free(&j->aux);
	free(j);
}

void aws_scan_free(aws_scan *s)
{
	if (!s)
		return;
	for (aws_job *j = s->head, *n; j; j = n) {
		n = j->next;
		job_free(j);
	}
	while (s->qhead) { /* never released (error path): the user data is the jobs' */
		struct aws_held *h = s->qhead;

		s->qhead = h->next;
		aws_response_free(&h->resp);
		free(h);
	}
	free(s);
}

aws_job *aws__job_new(aws_scan *s, const char *service, const char *account, const char *region,
		      const char *sign_region, const char *api, const char *const *types,
		      size_t ntypes, const aws_creds *creds)
{
	aws_job *j = dm__calloc(1, sizeof(*j));

	if (!j)
		goto oom;
	j->scan = s;
	j->service = dm__strdup(service);
	j->account = dm__strdup(account);
	j->req_account = dm__strdup(account);
	j->region = dm__strdup(region);
	j->sign_region = dm__strdup(sign_region);
	j->api = dm__strdup(api);
	j->endpoint = aws_endpoint_url(service, sign_region);
	if (!j->service || !j->account || !j->req_account || !j->region || !j->sign_region ||
	    !j->api || !j->endpoint)
		goto oom;
	j->apis[0] = j->api;
	j->napis = 1;
	j->types = types;
	j->ntypes = ntypes;
	j->creds = creds;
	j->mc.account = j->account;
	j->mc.region = j->region;
	j->mc.partition = aws_partition_of(sign_region);
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	return j;
oom:
	if (j)
		job_free(j);
	dm__error(s->ctx, DM_ENOMEM, "aws: out of memory creating scope %s", api);
	return NULL;
}

void aws__job_fail(aws_job *j, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (j->failed)
		return;
	j->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	j->error = dm__strdup(msg);
	if (j->scan->emit && j->scan->emit->log)
		j->scan->emit->log(j->scan->emit->host, DM_LOG_WARN, msg);
}

int aws__job_submit(aws_job *j, const char *api, const char *method, const char *path,
		    const char *query, const char *body, const char *content_type, aws_done_fn done,
		    void *ud)
{
	aws_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.service = j->service;
	req.region = j->sign_region;
	req.account = j->req_account;
	req.endpoint = j->endpoint;
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.content_type = content_type;
	req.api = api;
	if (j->scan->held) {
		struct aws_held *h = dm__calloc(1, sizeof(*h));

		if (!h) {
			aws__job_fail(j, "%s %s: out of memory", api, j->region);
			return DM_ENOMEM;
		}
		h->s = j->scan;
		h->done = done;
		h->ud = ud;
		rc = j->scan->tr.submit(j->scan->tr.t, &req, j->creds, held_done, h);
		if (rc < 0)
			free(h);
	} else {
		rc = j->scan->tr.submit(j->scan->tr.t, &req, j->creds, done, ud);
	}
	if (rc < 0) {
		aws__job_fail(j, "%s %s: cannot submit request: %s", api, j->region,
			      dm_ctx_last_error(j->scan->ctx));
		return rc;
	}
	j->pending++;
	return 0;
}

int aws__job_check(aws_job *j, const char *api, int rc, const aws_response *resp)
{
	if (rc < 0 || !resp) {
		aws__job_fail(j, "%s %s: %s", api, j->region,
			      *dm_ctx_last_error(j->scan->ctx) ? dm_ctx_last_error(j->scan->ctx)
							       : "transport failure");
		return rc < 0 ? rc : DM_EHTTP;
	}
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	{
		char msg[160] = "";

		if (resp->error_message)
			snprintf(msg, sizeof(msg), ": %s", resp->error_message);
		aws__job_fail(j, "%s %s: HTTP %ld %s%s (after %u attempts)", api, j->region,
			      resp->status, resp->error_code ? resp->error_code : "error", msg,
			      resp->attempts);
	}
	return DM_EAPI;
}

int aws__job_xml(aws_job *j, const char *api, const aws_response *resp, xmlDocPtr *out)
{
	int rc = aws_xml_parse(j->scan->ctx, resp->body, resp->body_len, api, out);

	if (rc < 0)
		aws__job_fail(j, "%s %s: %s", api, j->region, dm_ctx_last_error(j->scan->ctx));
	return rc;
}

aws_job *aws__scan_find(aws_scan *s, const char *account, const char *region, const char *api)
{
	for (aws_job *j = s->head; j; j = j->next) {
		if (strcmp(j->account, account) == 0 && strcmp(j->region, region) == 0 &&
		    strcmp(j->api, api) == 0)
			return j;
	}
	return NULL;
}

/* ---- flush ---------------------------------------------------------------- */

static aws_reslist *complete_list_mut(aws_scan *s, const aws_job *j, const char *api)
{
	aws_job *o = aws__scan_find(s, j->account, j->region, api);

	return o && !o->failed && o->pending == 0 ? &o->res : NULL;
}

static const aws_reslist *complete_list(aws_scan *s, const aws_job *j, const char *api)
{
	aws_job *o = aws__scan_find(s, j->account, j->region, api);

	return o && !o->failed && o->pending == 0 ? &o->res : NULL;
}

static int emit_job(aws_scan *s, aws_job *j)
{
	dm_scope sc;
	unsigned calls = 0;
	int rc = 0;

	if (!j->failed && j->pending != 0)
		aws__job_fail(j, "%s %s: %u requests never completed", j->api, j->region, j->pending);
	for (size_t i = 0; i < j->napis; i++)
		calls += s->tr.calls ? s->tr.calls(s->tr.t, j->req_account, j->sign_region, j->apis[i])
				     : 0;
	if (!j->failed) {
		for (size_t i = 0; i < j->res.n && rc == 0; i++) {
			dm_resource r;

			memset(&r, 0, sizeof(r));
			r.provider = "aws";
			r.type = j->res.v[i].type;
			r.id = j->res.v[i].id;
			r.account = j->account;
			r.region = j->region;
			r.attrs = j->res.v[i].attrs;
			r.flags = j->res.v[i].flags;
			j->res.v[i].attrs = NULL; /* stolen by emit */
			rc = s->emit->resource(s->emit->host, &r);
		}
	}
	if (rc < 0)
		return rc;
	memset(&sc, 0, sizeof(sc));
	sc.provider = "aws";
	sc.account = j->account;
	sc.region = j->region;
	sc.api = j->api;
	sc.types = j->types;
	sc.ntypes = j->ntypes;
	sc.complete = !j->failed;
	sc.error = j->failed ? (j->error ? j->error : "failed") : NULL;
	sc.api_calls = calls;
	return s->emit->scope(s->emit->host, &sc);
}

int aws_scan_flush(aws_scan *s)
{
	int rc = 0;

	for (aws_job *j = s->head; j; j = j->next) {
		if (strcmp(j->api, "ec2:DescribeVpcs") == 0)
			aws__ec2_finish(j);
		if (strcmp(j->api, "iam:GetAccountAuthorizationDetails") == 0 && !j->failed)
			aws__iam_finish(j);
	}
	/* joins across scopes of one (account, region) */
	for (aws_job *j = s->head; j; j = j->next) {
		if (strcmp(j->api, "ec2:DescribeVpcs") == 0 && !j->failed && j->pending == 0)
			aws_ec2_join_vpcs(&j->res, complete_list(s, j, "ec2:DescribeRouteTables"),
					  complete_list(s, j, "ec2:DescribeSecurityGroups"),
					  complete_list(s, j, "ec2:DescribeNetworkAcls"),
					  complete_list_mut(s, j, "ec2:DescribeInternetGateways"));
	}
	for (aws_job *j = s->head; j && rc == 0; j = j->next)
		rc = emit_job(s, j);
	return rc;
}
