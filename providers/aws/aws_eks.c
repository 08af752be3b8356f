/*
 * EKS (REST-JSON): ListClusters -> DescribeCluster each -> ListNodegroups
 * each -> DescribeNodegroup each, mapped into aws_eks_cluster and
 * aws_eks_node_group. Two scopes per (account, region): eks:ListClusters
 * (clusters) and eks:ListNodegroups (node groups; fails with the cluster
 * listing).
 */
#include <stdlib.h>
#include <string.h>
#include "providers/aws/aws_svc_internal.h"

#define API_LC "eks:ListClusters"
#define API_DC "eks:DescribeCluster"
#define API_LN "eks:ListNodegroups"
#define API_DN "eks:DescribeNodegroup"

/* ---- mapping helpers ------------------------------------------------------------- */

static json_t *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? json_string(s) : dflt ? json_string(dflt) : json_null();
}

static json_t *bool_or(const json_t *o, const char *key, int dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_boolean(json_is_boolean(v) ? json_is_true(v) : dflt);
}

static json_t *int_or(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_integer(json_is_integer(v) ? json_integer_value(v) : dflt);
}

/* A list of strings (copy), [] when absent. */
static json_t *strs(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	json_t *a = json_array();
	size_t i;
	json_t *e;

	if (!a || !json_is_array(v))
		return a;
	json_array_foreach(v, i, e) {
		if (json_is_string(e) && json_array_append_new(a, json_string(json_string_value(e))) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* A map of strings (copy), {} when absent. */
static json_t *strmap(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	json_t *m = json_object(), *e;
	const char *k;

	if (!m || !json_is_object(v))
		return m;
	json_object_foreach((json_t *)v, k, e) {
		if (json_is_string(e) && json_object_set_new(m, k, json_string(json_string_value(e))) < 0) {
			json_decref(m);
			return NULL;
		}
	}
	return m;
}

/* [obj] or NULL; obj stolen. */
static json_t *block(json_t *obj)
{
	json_t *a;

	if (!obj)
		return NULL;
	a = json_array();
	if (!a || json_array_append_new(a, obj) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int set_tags(json_t *o, const json_t *src)
{
	return aws__j_tags(o, strmap(src, "tags"));
}

/* ---- cluster -------------------------------------------------------------------------- */

static json_t *enabled_log_types(const json_t *c)
{
	const json_t *cl = json_object_get(json_object_get(c, "logging"), "clusterLogging");
	json_t *a = json_array(), *e;
	size_t i;

	if (!a)
		return NULL;
	json_array_foreach(cl, i, e) {
		const json_t *types = json_object_get(e, "types");
		json_t *t;
		size_t k;

		if (!json_is_true(json_object_get(e, "enabled")))
			continue;
		json_array_foreach(types, k, t) {
			if (json_is_string(t) && json_array_append_new(a, json_string(json_string_value(t))) < 0) {
				json_decref(a);
				return NULL;
			}
		}
	}
	return a;
}

static json_t *vpc_config(const json_t *c)
{
	const json_t *v = json_object_get(c, "resourcesVpcConfig");
	json_t *o = json_object();

	if (!o || aws__jset(o, "subnet_ids", strs(v, "subnetIds")) < 0 ||
	    aws__jset(o, "security_group_ids", strs(v, "securityGroupIds")) < 0 ||
	    aws__jset(o, "cluster_security_group_id", str_or(v, "clusterSecurityGroupId", "")) < 0 ||
	    aws__jset(o, "vpc_id", str_or(v, "vpcId", "")) < 0 ||
	    aws__jset(o, "endpoint_private_access", bool_or(v, "endpointPrivateAccess", 0)) < 0 ||
	    aws__jset(o, "endpoint_public_access", bool_or(v, "endpointPublicAccess", 1)) < 0 ||
	    aws__jset(o, "public_access_cidrs", strs(v, "publicAccessCidrs")) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *network_config(const json_t *c)
{
	const json_t *k = json_object_get(c, "kubernetesNetworkConfig");
	json_t *o;

	if (!json_is_object(k))
		return json_array();
	o = json_object();
	if (!o || aws__jset(o, "service_ipv4_cidr", str_or(k, "serviceIpv4Cidr", "")) < 0 ||
	    aws__jset(o, "service_ipv6_cidr", str_or(k, "serviceIpv6Cidr", "")) < 0) {
		json_decref(o);
		return NULL;
	}
	/*
	 * ip_family only when the API said it: the provider writes what it read
	 * ("" when absent), so an invented default would be drift against a state
	 * the provider wrote from the same answer; absent is "not read", never drift.
	 */
	if (json_is_string(json_object_get(k, "ipFamily")) &&
	    aws__jset(o, "ip_family", str_or(k, "ipFamily", NULL)) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *identity(const json_t *c)
{
	const char *issuer = json_string_value(
		json_object_get(json_object_get(json_object_get(c, "identity"), "oidc"), "issuer"));

	if (!issuer)
		return json_array();
	return json_pack("[{s:[{s:s}]}]", "oidc", "issuer", issuer);
}

static json_t *cert_authority(const json_t *c)
{
	const char *d = json_string_value(json_object_get(json_object_get(c, "certificateAuthority"), "data"));

	return d ? json_pack("[{s:s}]", "data", d) : json_array();
}

static json_t *access_config(const json_t *c)
{
	const json_t *a = json_object_get(c, "accessConfig");
	json_t *o;

	if (!json_is_object(a))
		return json_array();
	o = json_object();
	if (!o || aws__jset(o, "authentication_mode", str_or(a, "authenticationMode", "")) < 0 ||
	    aws__jset(o, "bootstrap_cluster_creator_admin_permissions",
		      bool_or(a, "bootstrapClusterCreatorAdminPermissions", 0)) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *encryption_config(const json_t *c)
{
	const json_t *ec = json_object_get(c, "encryptionConfig");
	json_t *a = json_array(), *e;
	size_t i;

	if (!a)
		return NULL;
	json_array_foreach(ec, i, e) {
		const char *key = json_string_value(json_object_get(json_object_get(e, "provider"), "keyArn"));
		json_t *o = json_pack("{s:[{s:s}],s:o}", "provider", "key_arn", key ? key : "", "resources",
				      strs(e, "resources"));

		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int aws_eks_map_cluster(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc)
{
	const json_t *c = json_object_get(resp, "cluster");
	const char *name = json_string_value(json_object_get(c, "name"));
	json_t *o;

	(void)mc;
	if (!name)
		return DM_EPARSE;
	o = json_object();
	if (!o || aws__jset(o, "name", json_string(name)) < 0 ||
	    aws__jset(o, "arn", str_or(c, "arn", "")) < 0 ||
	    aws__jset(o, "version", str_or(c, "version", "")) < 0 ||
	    aws__jset(o, "role_arn", str_or(c, "roleArn", "")) < 0 ||
	    aws__jset(o, "endpoint", str_or(c, "endpoint", "")) < 0 ||
	    aws__jset(o, "platform_version", str_or(c, "platformVersion", "")) < 0 ||
	    aws__jset(o, "status", str_or(c, "status", "")) < 0 ||
	    aws__jset(o, "enabled_cluster_log_types", enabled_log_types(c)) < 0 ||
	    aws__jset(o, "vpc_config", vpc_config(c)) < 0 ||
	    aws__jset(o, "kubernetes_network_config", network_config(c)) < 0 ||
	    aws__jset(o, "identity", identity(c)) < 0 ||
	    aws__jset(o, "certificate_authority", cert_authority(c)) < 0 ||
	    aws__jset(o, "access_config", access_config(c)) < 0 ||
	    aws__jset(o, "encryption_config", encryption_config(c)) < 0 || set_tags(o, c) < 0) {
		json_decref(o);
		return DM_ENOMEM;
	}
	return aws_reslist_add(out, "aws_eks_cluster", name, o, 0);
}

/* ---- node group ------------------------------------------------------------------------ */

static json_t *scaling(const json_t *n)
{
	const json_t *s = json_object_get(n, "scalingConfig");
	json_t *o = json_object();

	if (!o || aws__jset(o, "desired_size", int_or(s, "desiredSize", 0)) < 0 ||
	    aws__jset(o, "max_size", int_or(s, "maxSize", 0)) < 0 ||
	    aws__jset(o, "min_size", int_or(s, "minSize", 0)) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *taints(const json_t *n)
{
	const json_t *t = json_object_get(n, "taints");
	json_t *a = json_array(), *e;
	size_t i;

	if (!a)
		return NULL;
	json_array_foreach(t, i, e) {
		json_t *o = json_object();

		if (!o || aws__jset(o, "key", str_or(e, "key", "")) < 0 ||
		    aws__jset(o, "value", str_or(e, "value", "")) < 0 ||
		    aws__jset(o, "effect", str_or(e, "effect", "")) < 0 || json_array_append_new(a, o) < 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *launch_template(const json_t *n)
{
	const json_t *l = json_object_get(n, "launchTemplate");
	json_t *o;

	if (!json_is_object(l))
		return json_array();
	o = json_object();
	if (!o || aws__jset(o, "id", str_or(l, "id", "")) < 0 ||
	    aws__jset(o, "name", str_or(l, "name", "")) < 0 ||
	    aws__jset(o, "version", str_or(l, "version", "")) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *remote_access(const json_t *n)
{
	const json_t *r = json_object_get(n, "remoteAccess");
	json_t *o;

	if (!json_is_object(r))
		return json_array();
	o = json_object();
	if (!o || aws__jset(o, "ec2_ssh_key", str_or(r, "ec2SshKey", "")) < 0 ||
	    aws__jset(o, "source_security_group_ids", strs(r, "sourceSecurityGroups")) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *ng_resources(const json_t *n)
{
	const json_t *r = json_object_get(n, "resources");
	const json_t *asgs = json_object_get(r, "autoScalingGroups");
	json_t *list = json_array(), *o, *e;
	size_t i;

	if (!list)
		return NULL;
	json_array_foreach(asgs, i, e) {
		if (json_array_append_new(list, json_pack("{s:o}", "name", str_or(e, "name", ""))) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	o = json_object();
	if (!o || aws__jset(o, "autoscaling_groups", list) < 0 ||
	    aws__jset(o, "remote_access_security_group_id",
		      str_or(r, "remoteAccessSecurityGroup", "")) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

static json_t *update_config(const json_t *n)
{
	const json_t *u = json_object_get(n, "updateConfig");
	json_t *o;

	if (!json_is_object(u))
		return json_array();
	o = json_object();
	if (!o || aws__jset(o, "max_unavailable", int_or(u, "maxUnavailable", 0)) < 0 ||
	    aws__jset(o, "max_unavailable_percentage", int_or(u, "maxUnavailablePercentage", 0)) < 0) {
		json_decref(o);
		return NULL;
	}
	return block(o);
}

int aws_eks_map_nodegroup(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc)
{
	const json_t *n = json_object_get(resp, "nodegroup");
	const char *cl = json_string_value(json_object_get(n, "clusterName"));
	const char *name = json_string_value(json_object_get(n, "nodegroupName"));
	dm_buf id = DM_BUF_INIT;
	json_t *o = NULL;
	int rc = DM_ENOMEM;

	(void)mc;
	if (!cl || !name)
		return DM_EPARSE;
	if (dm__buf_printf(&id, "%s:%s", cl, name) < 0)
		goto done;
	o = json_object();
	if (!o || aws__jset(o, "cluster_name", json_string(cl)) < 0 ||
	    aws__jset(o, "node_group_name", json_string(name)) < 0 ||
	    aws__jset(o, "arn", str_or(n, "nodegroupArn", "")) < 0 ||
	    aws__jset(o, "node_role_arn", str_or(n, "nodeRole", "")) < 0 ||
	    aws__jset(o, "subnet_ids", strs(n, "subnets")) < 0 ||
	    aws__jset(o, "scaling_config", scaling(n)) < 0 ||
	    aws__jset(o, "instance_types", strs(n, "instanceTypes")) < 0 ||
	    aws__jset(o, "ami_type", str_or(n, "amiType", "")) < 0 ||
	    aws__jset(o, "capacity_type", str_or(n, "capacityType", "")) < 0 ||
	    aws__jset(o, "disk_size", int_or(n, "diskSize", 0)) < 0 ||
	    aws__jset(o, "labels", strmap(n, "labels")) < 0 ||
	    aws__jset(o, "taint", taints(n)) < 0 ||
	    aws__jset(o, "version", str_or(n, "version", "")) < 0 ||
	    aws__jset(o, "release_version", str_or(n, "releaseVersion", "")) < 0 ||
	    aws__jset(o, "status", str_or(n, "status", "")) < 0 ||
	    aws__jset(o, "launch_template", launch_template(n)) < 0 ||
	    aws__jset(o, "remote_access", remote_access(n)) < 0 ||
	    aws__jset(o, "resources", ng_resources(n)) < 0 ||
	    aws__jset(o, "update_config", update_config(n)) < 0 || set_tags(o, n) < 0) {
		json_decref(o);
		goto done;
	}
	rc = aws_reslist_add(out, "aws_eks_node_group", id.ptr, o, 0);
done:
	dm__buf_free(&id);
	return rc;
}

/* ---- orchestration ------------------------------------------------------------------- */

static const char *const t_cluster[] = { "aws_eks_cluster" };
static const char *const t_ng[] = { "aws_eks_node_group" };

struct eks_ud {
	aws_job *j;
	char *cluster;
};

static void eks_ud_free(struct eks_ud *u)
{
	if (u) {
		free(u->cluster);
		free(u);
	}
}

static int not_found(int rc, const aws_response *resp)
{
	return rc == 0 && resp && resp->status == 404 && resp->error_code &&
	       strcmp(resp->error_code, "ResourceNotFoundException") == 0;
}

/* Parse a JSON body; fails the job on a bad body. */
static json_t *eks_json(aws_job *j, const char *api, const aws_response *resp)
{
	json_error_t err;
	json_t *v = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, &err);

	if (!v || !json_is_object(v)) {
		json_decref(v);
		aws__job_fail(j, "%s %s: response is not a JSON object (%s)", api, j->region, err.text);
		return NULL;
	}
	return v;
}

/* Check a completion and parse its JSON body; NULL (job failed) on any problem. */
static json_t *eks_body(aws_job *j, const char *api, int rc, const aws_response *resp)
{
	if (aws__job_check(j, api, rc, resp) < 0)
		return NULL;
	return eks_json(j, api, resp);
}

/* "/clusters/NAME[/node-groups[/NG]]" with every name URI-encoded. */
static char *eks_path(const char *cluster, const char *sub, const char *ng)
{
	char *c = aws_uri_encode(cluster, 1), *n = ng ? aws_uri_encode(ng, 1) : NULL;
	dm_buf b = DM_BUF_INIT;
	int rc = -1;

	if (c && (!ng || n))
		rc = dm__buf_printf(&b, "/clusters/%s%s%s%s", c, sub ? sub : "", n ? "/" : "", n ? n : "");
	free(c);
	free(n);
	if (rc < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

static char *page_query(const char *token)
{
	char *t = token ? aws_uri_encode(token, 1) : NULL;
	dm_buf b = DM_BUF_INIT;
	int rc;

	if (token && !t)
		return NULL;
	rc = t ? dm__buf_printf(&b, "maxResults=100&nextToken=%s", t) : dm__buf_puts(&b, "maxResults=100");
	free(t);
	if (rc < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

static void lc_done(aws_client *cl, int rc, const aws_response *resp, void *ud);
static void dc_done(aws_client *cl, int rc, const aws_response *resp, void *ud);
static void ln_done(aws_client *cl, int rc, const aws_response *resp, void *ud);
static void dn_done(aws_client *cl, int rc, const aws_response *resp, void *ud);

/* Submit a GET for job j; ud (an eks_ud or the job) is freed here on failure when owned. */
static int eks_get(aws_job *j, const char *api, const char *path, const char *query, aws_done_fn fn,
		   struct eks_ud *u)
{
	int rc;

	/* every callback but lc_done takes an eks_ud: a NULL one is an allocation failure */
	if (!path || (fn != lc_done && (!u || !u->cluster))) {
		aws__job_fail(j, "%s %s: out of memory", api, j->region);
		eks_ud_free(u);
		return DM_ENOMEM;
	}
	rc = aws__job_submit(j, api, "GET", path, query ? query : "", NULL, NULL, fn,
			     u ? (void *)u : (void *)j);
	if (rc < 0)
		eks_ud_free(u);
	return rc;
}

static struct eks_ud *ud_new(aws_job *j, const char *cluster)
{
	struct eks_ud *u = dm__calloc(1, sizeof(*u));

	if (u) {
		u->j = j;
		u->cluster = dm__strdup(cluster);
	}
	return u;
}

static int submit_list_clusters(aws_job *j, const char *token)
{
	char *q = page_query(token);
	int rc = q ? eks_get(j, API_LC, "/clusters", q, lc_done, NULL) : DM_ENOMEM;

	if (!q)
		aws__job_fail(j, "%s %s: out of memory", API_LC, j->region);
	free(q);
	return rc;
}

static int submit_list_nodegroups(aws_job *ng, const char *cluster, const char *token)
{
	char *q = page_query(token), *path = eks_path(cluster, "/node-groups", NULL);
	struct eks_ud *u = ud_new(ng, cluster);
	int rc;

	if (!u || !q) {
		aws__job_fail(ng, "%s %s: out of memory", API_LN, ng->region);
		eks_ud_free(u);
		rc = DM_ENOMEM;
	} else {
		rc = eks_get(ng, API_LN, path, q, ln_done, u);
	}
	free(q);
	free(path);
	return rc;
}

/* The node-group job waits for the cluster listing: release that hold once. */
static void release_ng(aws_job *cj, const char *why)
{
	aws_job *ng = cj->peer;

	if (!ng)
		return;
	cj->peer = NULL;
	if (why)
		aws__job_fail(ng, "%s %s: cluster listing failed: %s", API_LN, ng->region, why);
	ng->pending--;
}

static void lc_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	aws_job *j = ud;
	json_t *v = NULL, *names, *e;
	const char *token;
	size_t i;

	(void)cl;
	j->pending--;
	if (j->failed) {
		release_ng(j, j->error);
		return;
	}
	v = eks_body(j, API_LC, rc, resp);
	if (!v) {
		release_ng(j, j->error);
		return;
	}
	names = json_object_get(v, "clusters");
	json_array_foreach(names, i, e) {
		const char *name = json_string_value(e);
		char *path;

		if (!name)
			continue;
		path = eks_path(name, NULL, NULL);
		eks_get(j, API_DC, path, NULL, dc_done, ud_new(j, name));
		free(path);
		if (j->peer)
			submit_list_nodegroups(j->peer, name, NULL);
	}
	token = json_string_value(json_object_get(v, "nextToken"));
	if (token && *token && !j->failed)
		submit_list_clusters(j, token);
	else
		release_ng(j, j->failed ? j->error : NULL);
	json_decref(v);
}

static void dc_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct eks_ud *u = ud;
	aws_job *j = u->j;
	json_t *v = NULL;

	(void)cl;
	j->pending--;
	if (j->failed || not_found(rc, resp)) /* deleted since the listing */
		goto done;
	v = eks_body(j, API_DC, rc, resp);
	if (!v)
		goto done;
	if (aws_eks_map_cluster(&j->res, v, &j->mc) < 0)
		aws__job_fail(j, "%s %s: cannot map cluster %s", API_DC, j->region, u->cluster);
done:
	json_decref(v);
	eks_ud_free(u);
}

static void ln_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct eks_ud *u = ud;
	aws_job *j = u->j;
	json_t *v = NULL, *e;
	const char *token;
	size_t i;

	(void)cl;
	j->pending--;
	if (j->failed || not_found(rc, resp))
		goto done;
	v = eks_body(j, API_LN, rc, resp);
	if (!v)
		goto done;
	json_array_foreach(json_object_get(v, "nodegroups"), i, e) {
		const char *ng = json_string_value(e);
		char *path;

		if (!ng)
			continue;
		path = eks_path(u->cluster, "/node-groups", ng);
		eks_get(j, API_DN, path, NULL, dn_done, ud_new(j, u->cluster));
		free(path);
	}
	token = json_string_value(json_object_get(v, "nextToken"));
	if (token && *token && !j->failed)
		submit_list_nodegroups(j, u->cluster, token);
done:
	json_decref(v);
	eks_ud_free(u);
}

static void dn_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct eks_ud *u = ud;
	aws_job *j = u->j;
	json_t *v = NULL;

	(void)cl;
	j->pending--;
	if (j->failed || not_found(rc, resp))
		goto done;
	v = eks_body(j, API_DN, rc, resp);
	if (!v)
		goto done;
	if (aws_eks_map_nodegroup(&j->res, v, &j->mc) < 0)
		aws__job_fail(j, "%s %s: cannot map a node group of %s", API_DN, j->region, u->cluster);
done:
	json_decref(v);
	eks_ud_free(u);
}

int aws_scan_eks(aws_scan *s, const char *account, const char *region, const aws_creds *creds)
{
	aws_job *cj = aws__job_new(s, "eks", account, region, region, API_LC, t_cluster, 1, creds);
	aws_job *ng = cj ? aws__job_new(s, "eks", account, region, region, API_LN, t_ng, 1, creds) : NULL;

	if (!cj || !ng)
		return DM_ENOMEM;
	cj->apis[cj->napis++] = API_DC;
	ng->apis[ng->napis++] = API_DN;
	cj->peer = ng;
	ng->pending = 1; /* held until the cluster listing is complete */
	if (submit_list_clusters(cj, NULL) < 0)
		release_ng(cj, cj->error);
	return 0;
}
