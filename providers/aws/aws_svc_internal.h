/*
 * Internals shared by aws_scan.c, aws_ec2.c, aws_iam.c and aws_eks.c:
 * the scan job (one enumeration scope) and small XML/JSON builders.
 */
#ifndef DM_AWS_SVC_INTERNAL_H
#define DM_AWS_SVC_INTERNAL_H

#include "providers/aws/aws_services.h"

/* ---- jobs: one (account, region, API) scope ---------------------------- */

#define AWS_JOB_MAX_APIS 4

struct aws_job {
	aws_scan *scan;
	struct aws_job *next;
	char *service;     /* "ec2" */
	char *account;
	char *region;      /* scope region ("global" for IAM) */
	char *sign_region; /* signing region (IAM: us-east-1) */
	char *endpoint;
	char *api;         /* scope name "ec2:DescribeVpcs" */
	const char *apis[AWS_JOB_MAX_APIS]; /* every API name whose calls count for this scope */
	size_t napis;
	const char *const *types;
	size_t ntypes;
	const aws_creds *creds; /* borrowed: lives as long as the scan */
	aws_map_ctx mc;
	aws_reslist res;
	aws_reslist aux;   /* side results joined at flush (IAM ListRoles) */
	unsigned pending;  /* requests in flight for this scope */
	int failed;
	char *error;
	/* service specific */
	const char *action;
	int max_results;
	aws_ec2_map_fn map;
	int want_dns_support, want_dns_hostnames;
	int want_policy_tags;
	struct aws_job *peer; /* EKS: the node-group job of a cluster job */
	char *req_account; /* account key of the job's requests and call counts: the account
			    * at creation ("" while the scan's account is not known yet) */
};

struct aws_scan {
	dm_ctx *ctx;
	aws_transport tr;
	const dm_emit *emit;
	aws_scan_options opts;
	aws_job *head, *tail;
	/* aws_scan_hold(): completions wait here until aws_scan_release() */
	int held;
	struct aws_held *qhead, *qtail;
	const dm_strmap *state_vpcs; /* aws_scan_set_state_vpcs() */
};

/** New job appended to the scan; NULL on ENOMEM (ctx error set). */
aws_job *aws__job_new(aws_scan *s, const char *service, const char *account, const char *region,
		      const char *sign_region, const char *api, const char *const *types,
		      size_t ntypes, const aws_creds *creds);
/** Mark the job failed with a one-line error (first error wins). */
void aws__job_fail(aws_job *j, const char *fmt, ...) DM_PRINTF(2, 3);
/**
 * Submit one request of the job (pending++). api names the call ("ec2:DescribeVpcs").
 * On a submit failure the job is failed and <0 returned.
 */
int aws__job_submit(aws_job *j, const char *api, const char *method, const char *path,
		    const char *query, const char *body, const char *content_type, aws_done_fn done,
		    void *ud);
/** Check a completion: 0 when resp is a 2xx answer, else fails the job and returns <0. */
int aws__job_check(aws_job *j, const char *api, int rc, const aws_response *resp);
/** Parse an XML body of the job's API; fails the job on a bad body. */
int aws__job_xml(aws_job *j, const char *api, const aws_response *resp, xmlDocPtr *out);
/** First job of the scan with (account, region, api) or NULL. */
aws_job *aws__scan_find(aws_scan *s, const char *account, const char *region, const char *api);

/** EC2: after the run, drop VPCs that vanished between the list and attribute calls. */
void aws__ec2_finish(aws_job *j);
/** IAM: after the run, join ListRoles into the roles of GetAccountAuthorizationDetails. */
void aws__iam_finish(aws_job *j);

/* ---- XML helpers --------------------------------------------------------- */

xmlNodePtr aws__x_first(xmlNodePtr parent);  /* first element child */
xmlNodePtr aws__x_next(xmlNodePtr n);        /* next element sibling */
/** Element at a '/'-separated path of child names below n ("a/b"); NULL when missing. */
xmlNodePtr aws__x_path(xmlNodePtr n, const char *path);
/** Compare a child's text: 1 when child `name` has text `value`. */
int aws__x_text_is(xmlNodePtr parent, const char *name, const char *value);

#define AWS_X_EACH(it, parent) for (xmlNodePtr it = aws__x_first(parent); it; it = aws__x_next(it))

/* ---- JSON builders: return 0 or -1 (allocation) ------------------------- */

/** o[key] = text of child `name` of parent, else dflt (NULL dflt -> JSON null). */
int aws__j_str(json_t *o, const char *key, xmlNodePtr parent, const char *name, const char *dflt);
/** o[key] = boolean of child `name` ("true"), else dflt. */
int aws__j_bool(json_t *o, const char *key, xmlNodePtr parent, const char *name, int dflt);
/** o[key] = integer of child `name`, else dflt. */
int aws__j_int(json_t *o, const char *key, xmlNodePtr parent, const char *name, long long dflt);
/** List of the texts of child `field` of every element of parent/set (field NULL: the item text). */
json_t *aws__x_strlist(xmlNodePtr parent, const char *set, const char *field);
/** Map from a tag set (keys kname/vname: "key"/"value" for EC2, "Key"/"Value" for IAM). */
json_t *aws__x_tags(xmlNodePtr parent, const char *set, const char *kname, const char *vname);
/** o.tags = tags (stolen), o.tags_all = a copy. */
int aws__j_tags(json_t *o, json_t *tags);
/** Set o[key] = v (stolen); -1 when v is NULL or on failure. */
int aws__jset(json_t *o, const char *key, json_t *v);

#endif
