/*
 * The "aws" provider: resolve credentials and accounts (profiles or role
 * ARNs from the request, else the default chain), the account ids (STS
 * GetCallerIdentity), the regions (--region, "all" = DescribeRegions), then
 * submit every list call of every (account, region) up front on one
 * aws_client so they run concurrently, run it, and emit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "providers/aws/aws_creds.h"
#include "providers/aws/aws_http.h"
#include "providers/aws/aws_provider.h"
#include "providers/aws/aws_posture_collect.h"
#include "providers/aws/aws_services.h"
#include "providers/aws/aws_sts.h"
#include "providers/aws/aws_svc_internal.h"

#if defined(__has_include)
#if __has_include("providers/aws/aws_types.h")
#include "providers/aws/aws_types.h"
#define DM_AWS_HAVE_TYPES 1
#endif
#endif

#define MAX_ACCOUNTS 64
#define MAX_REGIONS 64

struct account {
	char *id;
	aws_creds creds;
	char *label; /* profile / role ARN / "default" — for messages */
};

struct run {
	dm_ctx *ctx;
	aws_client *cl;
	struct account acc[MAX_ACCOUNTS];
	size_t nacc;
	char *regions[MAX_REGIONS];
	size_t nregions;
	char *home_region; /* for STS and DescribeRegions */
	/* one account entry: its id (sts:GetCallerIdentity) is asked for while the scan's own
	 * requests run; the scan holds their completions until it is known */
	aws_scan *scan;
	int held;
	int id_rc;        /* 0 in flight, 1 known, < 0 failed */
	char id_err[512]; /* the failure's message (other requests may overwrite the ctx's) */
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->nacc; i++) {
		free(r->acc[i].id);
		free(r->acc[i].label);
		aws_creds_clear(&r->acc[i].creds);
	}
	for (size_t i = 0; i < r->nregions; i++)
		free(r->regions[i]);
	free(r->home_region);
	aws_client_free(r->cl);
}

static int add_region(dm_ctx *ctx, struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nregions; i++) {
		if (strcmp(r->regions[i], name) == 0)
			return 0;
	}
	if (r->nregions >= MAX_REGIONS)
		return dm__error(ctx, DM_ETOOBIG, "aws: more than %d regions requested", MAX_REGIONS);
	r->regions[r->nregions] = dm__strdup(name);
	if (!r->regions[r->nregions])
		return dm__error(ctx, DM_ENOMEM, "aws: out of memory");
	r->nregions++;
	return 0;
}

/* Credentials of one account entry: a profile name, a role ARN, or NULL (default chain);
 * its account id too when `identify` (else the caller asks for it asynchronously). */
static int resolve_account(dm_ctx *ctx, struct run *r, const char *entry, int identify)
{
	aws_session sess;
	aws_session_opts so;
	struct account a;
	int rc;

	memset(&sess, 0, sizeof(sess));
	memset(&so, 0, sizeof(so));
	memset(&a, 0, sizeof(a));
	if (r->nacc >= MAX_ACCOUNTS)
		return dm__error(ctx, DM_ETOOBIG, "aws: more than %d accounts requested", MAX_ACCOUNTS);
	so.client = r->cl;
	so.region = r->home_region;
	so.profile = entry && strncmp(entry, "arn:", 4) != 0 ? entry : NULL;
	rc = aws_session_resolve(&sess, ctx, &so);
	if (rc < 0)
		goto done;
	if (!r->home_region && sess.region) {
		r->home_region = dm__strdup(sess.region);
		if (!r->home_region) {
			rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
			goto done;
		}
	}
	if (entry && strncmp(entry, "arn:", 4) == 0) {
		rc = aws_sts_assume_role(r->cl, &sess.creds, r->home_region ? r->home_region : "us-east-1",
					 entry, "driftmap", NULL, 0, &a.creds);
		if (rc < 0)
			goto done;
	} else {
		rc = aws_creds_copy(&a.creds, &sess.creds);
		if (rc < 0) {
			rc = dm__error(ctx, rc, "aws: out of memory copying credentials");
			goto done;
		}
	}
	if (identify) {
		rc = aws_sts_get_caller_identity(r->cl, &a.creds,
						 r->home_region ? r->home_region : "us-east-1", &a.id, NULL);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < r->nacc && a.id; i++) {
		if (strcmp(r->acc[i].id, a.id) == 0) { /* two entries, one account: scan it once */
			rc = 0;
			goto done;
		}
	}
	a.label = dm__strdup(entry ? entry : sess.source ? sess.source : "default");
	if (!a.label) {
		rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		goto done;
	}
	r->acc[r->nacc++] = a;
	memset(&a, 0, sizeof(a));
	rc = 0;
done:
	free(a.id);
	free(a.label);
	aws_creds_clear(&a.creds);
	aws_session_free(&sess);
	return rc;
}

/* The identity of the single account entry arrived (from inside the run loop). */
static void on_identity(void *ud, int rc, const char *account, const char *arn)
{
	struct run *r = ud;

	(void)arn;
	if (rc == 0) {
		r->acc[0].id = dm__strdup(account);
		if (!r->acc[0].id)
			rc = dm__error(r->ctx, DM_ENOMEM, "aws: out of memory");
	}
	if (rc < 0) {
		r->id_rc = rc;
		snprintf(r->id_err, sizeof(r->id_err), "%s", dm_ctx_last_error(r->ctx));
		aws_client_cancel(r->cl); /* nothing collected can be attributed to an account */
		if (r->held)
			aws_scan_release(r->scan, NULL);
		r->held = 0;
		return;
	}
	r->id_rc = 1;
	if (r->held)
		aws_scan_release(r->scan, account);
	r->held = 0;
}

static int all_regions(dm_ctx *ctx, struct run *r)
{
	aws_request req;
	aws_response resp;
	xmlDocPtr doc = NULL;
	char *ep = aws_endpoint_url("ec2", r->home_region);
	char *body = aws_query_body("DescribeRegions", AWS_EC2_VERSION, NULL, 0);
	char **names = NULL;
	size_t n = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (!ep || !body) {
		rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		goto done;
	}
	req.service = "ec2";
	req.region = r->home_region;
	req.account = r->acc[0].id;
	req.endpoint = ep;
	req.method = "POST";
	req.path = "/";
	req.query = "";
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.api = "ec2:DescribeRegions";
	rc = aws_client_call(r->cl, &req, &r->acc[0].creds, &resp);
	if (rc < 0)
		goto done;
	if (resp.status >= 300) {
		rc = dm__error(ctx, DM_EAPI, "ec2:DescribeRegions %s: HTTP %ld %s", r->home_region,
			       resp.status, resp.error_code ? resp.error_code : "error");
		goto done;
	}
	rc = aws_xml_parse(ctx, resp.body, resp.body_len, "ec2:DescribeRegions", &doc);
	if (rc < 0)
		goto done;
	rc = aws_ec2_region_names(doc, &names, &n);
	if (rc < 0) {
		rc = dm__error(ctx, rc, "ec2:DescribeRegions: out of memory");
		goto done;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_region(ctx, r, names[i]);
	if (rc == 0 && n == 0)
		rc = dm__error(ctx, DM_EAPI, "ec2:DescribeRegions %s: no region enabled", r->home_region);
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (doc)
		xmlFreeDoc(doc);
	aws_response_free(&resp);
	free(ep);
	free(body);
	return rc;
}

static int wants(const dm_provider_request *req, const char *attr)
{
	if (!req->state_has_attr)
		return 1;
	return req->state_has_attr(req->host, "aws_vpc", attr) ||
	       req->state_has_attr(req->host, "aws_default_vpc", attr);
}

static int aws_enumerate(const dm_provider *self, dm_ctx *ctx, const dm_provider_request *req,
			 const dm_emit *emit)
{
	struct run r;
	aws_client_options co;
	aws_scan_options so;
	aws_transport tr;
	aws_scan *scan = NULL;
	dm_strmap *state_vpcs = NULL;
	int want_all = 0, rc, posture, defer = 0;

	(void)self;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	memset(&co, 0, sizeof(co));
	memset(&so, 0, sizeof(so));
	co.concurrency = req->concurrency ? req->concurrency : 16;
	co.ca_bundle = req->option ? req->option(req->host, "ca_bundle") : NULL;
	rc = aws_client_new(&r.cl, ctx, &co);
	if (rc < 0)
		goto done;

	for (size_t i = 0; i < req->nregions; i++) {
		if (strcmp(req->regions[i], "all") == 0) {
			want_all = 1;
		} else if (!r.home_region) {
			r.home_region = dm__strdup(req->regions[i]);
			if (!r.home_region) {
				rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
				goto done;
			}
		}
	}
	if (!r.home_region) {
		rc = aws_region_resolve(&r.home_region, ctx, NULL,
					req->nprofiles && strncmp(req->profiles[0], "arn:", 4) != 0
						? req->profiles[0]
						: NULL);
		if (rc < 0)
			goto done;
	}

	/* One account entry (the usual case): its id is needed only to label what the scan
	 * finds, so GetCallerIdentity runs alongside the scan's requests instead of a round trip
	 * before them. Several entries are identified first: two entries may be one account. */
	defer = req->nprofiles <= 1;
	for (size_t i = 0; i < (req->nprofiles ? req->nprofiles : 1); i++) {
		rc = resolve_account(ctx, &r, req->nprofiles ? req->profiles[i] : NULL, !defer);
		if (rc < 0)
			goto done;
	}
	if (!r.home_region) {
		rc = dm__error(ctx, DM_EINVAL,
			       "aws: no region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION");
		goto done;
	}
	if (defer) {
		rc = aws_sts_get_caller_identity_submit(r.cl, &r.acc[0].creds, r.home_region,
							on_identity, &r);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < req->nregions && rc == 0; i++) {
		if (strcmp(req->regions[i], "all") != 0)
			rc = add_region(ctx, &r, req->regions[i]);
	}
	if (rc < 0)
		goto done;
	if (want_all)
		rc = all_regions(ctx, &r);
	else if (r.nregions == 0)
		rc = add_region(ctx, &r, r.home_region);
	if (rc < 0)
		goto done;

	so.vpc_dns_support = wants(req, "enable_dns_support");
	so.vpc_dns_hostnames = wants(req, "enable_dns_hostnames");
	/* tags_all too: provider default_tags leave tags null and tags_all set */
	so.iam_policy_tags = !req->state_has_attr || req->state_has_attr(req->host, "aws_iam_policy", "tags") ||
			     req->state_has_attr(req->host, "aws_iam_policy", "tags_all");
	if (req->state && (so.vpc_dns_support || so.vpc_dns_hostnames)) {
		rc = aws_state_vpcs_build(&state_vpcs, req->state);
		if (rc < 0) {
			rc = dm__error(ctx, rc, "aws: out of memory indexing the state's VPCs");
			goto done;
		}
	}
	if (defer && r.id_rc < 0)
		goto done; /* answered while DescribeRegions ran */
	tr = aws_transport_client(r.cl);
	rc = aws_scan_new(&scan, ctx, &tr, emit, &so);
	if (rc < 0)
		goto done;
	r.scan = scan;
	aws_scan_set_state_vpcs(scan, state_vpcs);
	if (defer && r.id_rc == 0) {
		aws_scan_hold(scan);
		r.held = 1;
	}
	/* the posture data (ENIs, instances, launch templates, prefix-list entries, credential
	 * report, EKS versions) is collected only when `driftmap posture` asks for it */
	posture = req->option && req->option(req->host, "posture") &&
		  strcmp(req->option(req->host, "posture"), "1") == 0;
	for (size_t a = 0; a < r.nacc && rc == 0; a++) {
		const char *id = r.acc[a].id ? r.acc[a].id : ""; /* "": set when the identity arrives */

		rc = aws_scan_iam(scan, id, r.regions[0], &r.acc[a].creds);
		for (size_t g = 0; g < r.nregions && rc == 0; g++) {
			rc = aws_scan_ec2(scan, id, r.regions[g], &r.acc[a].creds);
			if (rc == 0)
				rc = aws_scan_eks(scan, id, r.regions[g], &r.acc[a].creds);
			if (rc == 0 && posture)
				rc = aws_scan_posture(scan, id, r.regions[g], &r.acc[a].creds);
		}
	}
	if (rc < 0)
		goto done;
	if (emit->log) {
		char msg[160];

		snprintf(msg, sizeof(msg), "aws: %zu account(s) x %zu region(s), concurrency %u", r.nacc,
			 r.nregions, co.concurrency);
		emit->log(emit->host, DM_LOG_INFO, msg);
	}
	/* scope failures are per job; a run failure leaves unfinished jobs failed at flush */
	(void)aws_client_run(r.cl);
	if (defer && r.id_rc <= 0)
		goto done;
	rc = aws_scan_flush(scan);
done:
	if (defer && r.id_rc == 0 && rc < 0) {
		/* failed before the run: let the identity request end so its data is freed */
		aws_client_cancel(r.cl);
		(void)aws_client_run(r.cl);
	} else if (defer && r.id_rc < 0) {
		rc = dm__error(ctx, r.id_rc, "%s", r.id_err);
	} else if (defer && r.id_rc == 0 && rc == 0) {
		rc = dm__error(ctx, DM_EHTTP, "sts:GetCallerIdentity: the request did not complete");
	}
	aws_scan_free(scan);
	aws_state_vpcs_free(state_vpcs);
	run_free(&r);
	return rc;
}

#ifdef DM_AWS_HAVE_TYPES
static dm_provider aws_prov = DM_PROVIDER_INIT;
static pthread_once_t aws_once = PTHREAD_ONCE_INIT;

static void aws_init(void)
{
	aws_prov.name = "aws";
	aws_prov.description = "Amazon Web Services: VPC networking (EC2), IAM, EKS";
	aws_prov.types = dm__aws_type_table();
	aws_prov.enumerate = aws_enumerate;
}

const dm_provider *dm__aws_provider(void)
{
	pthread_once(&aws_once, aws_init);
	return &aws_prov;
}
#else
static const dm_provider aws_prov = { DM_PROVIDER_ABI_VERSION, "aws",
				      "Amazon Web Services: VPC networking (EC2), IAM, EKS", NULL,
				      aws_enumerate };

const dm_provider *dm__aws_provider(void)
{
	return &aws_prov;
}
#endif
