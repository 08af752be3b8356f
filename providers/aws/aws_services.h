/*
 * driftmap AWS provider — the service enumerators (EC2, IAM, EKS).
 *
 * Two layers:
 *  (a) pure mapping functions: one parsed API response (xmlDocPtr for the
 *      Query APIs, json_t for EKS) -> live resources in Terraform's schema
 *      (docs/live-model.md), appended to an aws_reslist. No I/O; unit-tested
 *      with recorded responses (fixtures/aws/responses/).
 *  (b) orchestration: an aws_scan submits every list call of a service for
 *      an (account, region) through an aws_transport (the real aws_client,
 *      or a fake in tests), follows pagination tokens in the completion
 *      callbacks, and at aws_scan_flush() emits the resources of every
 *      complete scope and one dm_scope per (account, region, API).
 *
 * Ownership: an aws_reslist owns its entries (strings and attrs). A scope
 * that failed emits no resources at all (partial pages are dropped).
 */
#ifndef DM_AWS_SERVICES_H
#define DM_AWS_SERVICES_H

#include <jansson.h>
#include <libxml/tree.h>
#include "providers/aws/aws_internal.h"

#define AWS_EC2_VERSION "2016-11-15"
#define AWS_IAM_VERSION "2010-05-08"

/* ---- mapped resources ------------------------------------------------- */

typedef struct aws_res {
	char *type;    /* "aws_vpc" */
	char *id;      /* Terraform id */
	json_t *attrs; /* owned */
	unsigned flags; /* DM_RES_* */
} aws_res;

typedef struct aws_reslist {
	aws_res *v;
	size_t n, cap;
} aws_reslist;

#define AWS_RESLIST_INIT { NULL, 0, 0 }

/** Append (type, id, attrs); attrs is stolen (also on failure). 0 or DM_ENOMEM. */
int aws_reslist_add(aws_reslist *l, const char *type, const char *id, json_t *attrs,
		    unsigned flags);
/** First entry with (type, id) or NULL. */
aws_res *aws_reslist_find(const aws_reslist *l, const char *type, const char *id);
void aws_reslist_free(aws_reslist *l);

/** What the mappers need to know about where a response came from. */
typedef struct aws_map_ctx {
	const char *account;   /* the scanned account (owner of same-account references) */
	const char *region;    /* "us-east-1" ("global" for IAM) */
	const char *partition; /* "aws", "aws-cn", "aws-us-gov"; NULL = "aws" */
} aws_map_ctx;

/** Partition of a region name ("cn-north-1" -> "aws-cn"). Borrowed. */
const char *aws_partition_of(const char *region);

/* ---- EC2 (Query/XML) -------------------------------------------------- */

typedef int (*aws_ec2_map_fn)(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);

int aws_ec2_map_vpcs(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_subnets(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_security_groups(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** aws_route_table + aws_route_table_association + aws_main_route_table_association */
int aws_ec2_map_route_tables(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_internet_gateways(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_nat_gateways(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_addresses(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_peering(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** aws_network_acl (+ subnet_ids) + aws_network_acl_association */
int aws_ec2_map_network_acls(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_flow_logs(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_ec2_map_vpc_endpoints(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);

/** DescribeVpcAttribute: the boolean under <attr><value>. 0, or DM_EPARSE when absent. */
int aws_ec2_vpc_attribute(xmlDocPtr doc, const char *attr, int *out);
/** EC2 pagination token (<nextToken>) or NULL when this is the last page. Caller frees. */
char *aws_ec2_next_token(xmlDocPtr doc);
/** DescribeRegions: region names (caller frees each and the array). */
int aws_ec2_region_names(xmlDocPtr doc, char ***out, size_t *n);

/**
 * After all EC2 scopes of one (account, region) are mapped: fill the VPCs'
 * main_route_table_id / default_route_table_id / default_security_group_id /
 * default_network_acl_id from the other lists, and flag the internet
 * gateways of default VPCs as created by AWS (any list may be NULL).
 */
void aws_ec2_join_vpcs(aws_reslist *vpcs, const aws_reslist *route_tables,
		       const aws_reslist *sgs, const aws_reslist *acls, aws_reslist *igws);

/* ---- IAM (Query/XML) -------------------------------------------------- */

/** One GetAccountAuthorizationDetails page -> roles, policies, instance profiles (deduped). */
int aws_iam_map_details(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** One ListRoles page -> "role_info" entries {description, max_session_duration} by role name. */
int aws_iam_map_list_roles(aws_reslist *out, xmlDocPtr doc);
/** Copy description / max_session_duration of role_info entries into the aws_iam_role entries. */
void aws_iam_join_roles(aws_reslist *roles, const aws_reslist *infos);
/** IsTruncated/Marker of an IAM page (any *Result element): *marker NULL when not truncated. 0 or DM_EPARSE/ENOMEM. */
int aws_iam_next_marker(xmlDocPtr doc, char **marker);
/** Decode a policy document when it looks percent-encoded; else a copy. Caller frees. */
char *aws_iam_policy_decode(const char *doc);

/* ---- EKS (REST-JSON) -------------------------------------------------- */

/** DescribeCluster response -> aws_eks_cluster. */
int aws_eks_map_cluster(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc);
/** DescribeNodegroup response -> aws_eks_node_group. */
int aws_eks_map_nodegroup(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc);

/* ---- orchestration ---------------------------------------------------- */

/** How requests are sent: the real aws_client, or a fake in tests. */
typedef struct aws_transport {
	int (*submit)(void *t, const aws_request *req, const aws_creds *creds, aws_done_fn done,
		      void *ud);
	unsigned (*calls)(void *t, const char *account, const char *region, const char *api);
	void *t;
} aws_transport;

/** A transport over a real aws_client. */
aws_transport aws_transport_client(aws_client *cl);

typedef struct aws_scan_options {
	int vpc_dns_support;   /* fetch enableDnsSupport per VPC (the state holds it) */
	int vpc_dns_hostnames; /* fetch enableDnsHostnames per VPC */
	int iam_policy_tags;   /* fetch ListPolicyTags per customer policy (no list call has them) */
} aws_scan_options;

#define AWS_VPC_WANT_DNS_SUPPORT 1u
#define AWS_VPC_WANT_DNS_HOSTNAMES 2u

/** What the state holds of one VPC (aws_vpc / aws_default_vpc). */
typedef struct aws_state_vpc {
	unsigned want;       /* AWS_VPC_WANT_*: attributes the state holds (non-null) */
	const char *region;  /* from its arn or region attribute; NULL when unknown */
	const char *account; /* from its arn; NULL when unknown */
	char id[];
} aws_state_vpc;


/**
 * Index the state's VPCs that hold enable_dns_support / enable_dns_hostnames.
 * *out is NULL when the state has none. 0 or DM_ENOMEM. Free with aws_state_vpcs_free().
 */
int aws_state_vpcs_build(dm_strmap **out, const dm_inventory *state);
void aws_state_vpcs_free(dm_strmap *m);

typedef struct aws_scan aws_scan;

int aws_scan_new(aws_scan **out, dm_ctx *ctx, const aws_transport *tr, const dm_emit *emit,
		 const aws_scan_options *opts);
void aws_scan_free(aws_scan *s);

/**
 * VPC id -> aws_state_vpc (aws_state_vpcs_build): the VPC attribute calls go only to the VPCs
 * the state holds, for the attributes it holds, and those whose region the state records are
 * sent with the list calls instead of after DescribeVpcs. Not set (no state): every listed
 * VPC, per the two vpc_dns options. Borrowed: must outlive the scan. Call before the aws_scan_*
 * submit functions.
 */
void aws_scan_set_state_vpcs(aws_scan *s, const dm_strmap *vpcs);

/**
 * Hold the completions of the requests submitted from now on: their callbacks
 * run only at aws_scan_release(). For a scan whose jobs are created with the
 * account "" because the account id (sts:GetCallerIdentity) is still in
 * flight: the requests go out at once, the responses are mapped once the
 * account is known.
 */
void aws_scan_hold(aws_scan *s);
/**
 * Set the account of every job (when account is not NULL) and run the held
 * completions in arrival order. account NULL abandons the scan: every job is
 * failed without a message and the held completions only free their data.
 * May be called from inside a completion. 0 or DM_ENOMEM.
 */
int aws_scan_release(aws_scan *s, const char *account);

/** Submit every EC2 list call of (account, region). Nothing is sent until the transport runs. */
int aws_scan_ec2(aws_scan *s, const char *account, const char *region, const aws_creds *creds);
/**
 * Submit GetAccountAuthorizationDetails for the account (scope region
 * "global"); partition_region (any region of the scan) selects the partition.
 */
int aws_scan_iam(aws_scan *s, const char *account, const char *partition_region,
		 const aws_creds *creds);
/** Submit ListClusters (then DescribeCluster/ListNodegroups/DescribeNodegroup) for (account, region). */
int aws_scan_eks(aws_scan *s, const char *account, const char *region, const aws_creds *creds);
/**
 * After the transport ran: join, emit the resources of complete scopes and
 * every scope (complete or failed) through emit. 0 or the emit callback's error.
 */
int aws_scan_flush(aws_scan *s);

/** One ListInstanceProfiles page -> aws_iam_instance_profile (profiles already mapped are kept). 0, DM_EPARSE or DM_ENOMEM. */
int aws_iam_map_instance_profiles(aws_reslist *out, xmlDocPtr doc);
/**
 * Posture: add ListInstanceProfiles (paged by Marker) to the account's IAM
 * scope queued by aws_scan_iam(), so profiles without a role (which
 * GetAccountAuthorizationDetails never returns) are collected. Once per
 * account; a no-op when the account has no IAM scope. 0.
 */
int aws_scan_iam_instance_profiles(aws_scan *s, const char *account);

/* Internal to the scan: the per-service job hooks (aws_scan.c <-> aws_ec2/iam/eks.c). */
struct aws_job;
typedef struct aws_job aws_job;

#endif
