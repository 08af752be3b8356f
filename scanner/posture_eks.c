/*
 * driftmap posture — EKS rules (EKS-01…07). Version support comes from the
 * `aws_eks_cluster_versions` resource (eks:DescribeClusterVersions, one per
 * account and region, emitted by providers/aws/aws_posture_collect.c), else
 * from the embedded calendar below, whose as-of date the report prints.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "posture_internal.h"

#define EKS_CALENDAR_AS_OF "2025-10-01"

/* Amazon EKS Kubernetes release calendar (EKS User Guide, kubernetes-versions). */
static const struct eks_ver {
	const char *version, *release, *end_standard, *end_extended;
} calendar[] = {
	{"1.23", "2022-08-11", "2023-10-11", "2024-10-11"},
	{"1.24", "2022-11-15", "2024-01-31", "2025-01-31"},
	{"1.25", "2023-02-21", "2024-05-01", "2025-05-01"},
	{"1.26", "2023-04-11", "2024-06-11", "2025-06-11"},
	{"1.27", "2023-05-24", "2024-07-24", "2025-07-24"},
	{"1.28", "2023-09-26", "2024-11-26", "2025-11-26"},
	{"1.29", "2024-01-23", "2025-03-23", "2026-03-23"},
	{"1.30", "2024-05-23", "2025-07-23", "2026-07-23"},
	{"1.31", "2024-09-26", "2025-11-26", "2026-11-26"},
	{"1.32", "2025-01-23", "2026-03-23", "2027-03-23"},
	{"1.33", "2025-05-29", "2026-07-29", "2027-07-29"},
	{"1.34", "2025-10-02", "2026-12-02", "2027-12-02"},
};

static int minor_of(const char *v)
{
	long long maj, min;
	const char *dot = strchr(v, '.');
	char buf[16];
	size_t n;

	if (!dot || (size_t)(dot - v) >= sizeof(buf))
		return -1;
	n = (size_t)(dot - v);
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (dm__parse_ll(buf, &maj) < 0 || maj != 1)
		return -1;
	n = strspn(dot + 1, "0123456789");
	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, dot + 1, n);
	buf[n] = '\0';
	return dm__parse_ll(buf, &min) == 0 ? (int)min : -1;
}

typedef struct ver_info {
	const char *status;     /* STANDARD_SUPPORT, EXTENDED_SUPPORT, UNSUPPORTED */
	long long end_std, end_ext;
	const char *source;     /* "api" / "embedded" */
	json_t *raw;            /* borrowed */
} ver_info;

static int lookup_api(pst_run *run, const dm_resource *cl, const char *ver, ver_info *vi)
{
	const pst_vec *v = dm__pst_type(run, "aws_eks_cluster_versions");
	size_t i, j;
	const json_t *e;

	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		if ((cl->account && r->account && strcmp(cl->account, r->account) != 0) ||
		    (cl->region && r->region && strcmp(cl->region, r->region) != 0))
			continue;
		json_array_foreach(json_object_get(r->attrs, "cluster_versions"), j, e) {
			if (strcmp(dm__pst_str(e, "cluster_version"), ver) != 0)
				continue;
			vi->status = dm__pst_str(e, "version_status");
			if (!*vi->status)
				vi->status = dm__pst_str(e, "status");
			vi->end_std = dm__pst_time(json_object_get(e, "end_of_standard_support_date"));
			vi->end_ext = dm__pst_time(json_object_get(e, "end_of_extended_support_date"));
			vi->source = "api";
			vi->raw = (json_t *)e;
			return 1;
		}
		return 0; /* the API answered for this region and does not know the version */
	}
	return -1;
}

static int lookup_embedded(pst_run *run, const char *ver, ver_info *vi)
{
	size_t i;

	for (i = 0; i < sizeof(calendar) / sizeof(calendar[0]); i++) {
		if (strcmp(calendar[i].version, ver) != 0)
			continue;
		vi->end_std = dm__pst_time_str(calendar[i].end_standard) + 86400;
		vi->end_ext = dm__pst_time_str(calendar[i].end_extended) + 86400;
		vi->status = run->now < vi->end_std ? "STANDARD_SUPPORT"
			     : run->now < vi->end_ext ? "EXTENDED_SUPPORT" : "UNSUPPORTED";
		vi->source = "embedded";
		return 1;
	}
	{ /* older than the table: unsupported */
		int m = minor_of(ver);
		if (m >= 0 && m < minor_of(calendar[0].version)) {
			vi->status = "UNSUPPORTED";
			vi->end_std = vi->end_ext = -1;
			vi->source = "embedded";
			return 1;
		}
	}
	return 0;
}

static int eks04(pst_run *run, const dm_resource *cl, int *api_used, int *embedded_used)
{
	const char *ver = dm__pst_str(cl->attrs, "version");
	ver_info vi;
	int found;
	char scope[256], ds[32], de[32];
	dm_severity sev;
	const char *why;
	json_t *ev;

	memset(&vi, 0, sizeof(vi));
	snprintf(scope, sizeof(scope), "aws/%s/%s", cl->account ? cl->account : "*", cl->region ? cl->region : "*");
	if (!*ver)
		return dm__pst_not_eval(run, "EKS-04", scope, "cluster %s has no version", cl->id);
	found = lookup_api(run, cl, ver, &vi);
	if (found == 1)
		*api_used = 1;
	if (found != 1) {
		found = lookup_embedded(run, ver, &vi);
		if (found == 1)
			*embedded_used = 1;
	}
	if (found != 1) {
		int newest = minor_of(calendar[sizeof(calendar) / sizeof(calendar[0]) - 1].version);
		if (minor_of(ver) > newest) /* newer than the calendar: supported, but the end date is unknown */
			return dm__pst_not_eval(run, "EKS-04", scope,
						"version %s of cluster %s is newer than the embedded calendar (as of "
						EKS_CALENDAR_AS_OF "): end of standard support unknown", ver, cl->id);
		return dm__pst_not_eval(run, "EKS-04", scope, "version %s of cluster %s is not in the version calendar",
					ver, cl->id);
	}
	if (strcasecmp(vi.status, "UNSUPPORTED") == 0) {
		sev = DM_SEV_CRITICAL;
		why = "unsupported";
	} else if (strcasecmp(vi.status, "EXTENDED_SUPPORT") == 0) {
		sev = DM_SEV_HIGH;
		why = "in extended support";
	} else if (vi.end_std > 0 && vi.end_std - run->now < run->cfg->eks_warning_days * 86400LL) {
		sev = DM_SEV_MEDIUM;
		why = "near the end of standard support";
	} else {
		return 0;
	}
	ds[0] = de[0] = '\0';
	if (vi.end_std > 0)
		dm__rfc3339(vi.end_std, ds, sizeof(ds));
	if (vi.end_ext > 0)
		dm__rfc3339(vi.end_ext, de, sizeof(de));
	ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "cluster", cl->id, "version", ver, "version_status", vi.status,
		       "end_of_standard_support", ds, "end_of_extended_support", de, "calendar",
		       strcmp(vi.source, "api") == 0 ? "eks:DescribeClusterVersions"
						     : "embedded table as of " EKS_CALENDAR_AS_OF);
	{
		const json_t *up = dm__pst_block(cl->attrs, "upgrade_policy");
		if (up && ev)
			json_object_set_new(ev, "upgrade_policy_support_type (preference, not billing state)",
					    json_string(dm__pst_str(up, "support_type")));
	}
	return dm__pst_add(run, "EKS-04", sev, cl, ver, ev, NULL, 0, "cluster %s runs Kubernetes %s, %s", cl->id, ver,
			   why);
}

static int cidrs_internet(const json_t *l)
{
	size_t i;
	const json_t *v;

	if (!json_array_size(l))
		return 1; /* AWS default when public access is on: 0.0.0.0/0 */
	json_array_foreach(l, i, v) {
		if (dm__pst_cidr_is_internet(json_string_value(v)))
			return 1;
	}
	return 0;
}

typedef struct open_ctx {
	int open;
	const char *sample;
} open_ctx;

static int open_atom(void *ud, const dm_resource *sg, const pst_atom *a)
{
	open_ctx *o = ud;

	(void)sg;
	if (a->internet && !o->open) {
		o->open = 1;
		o->sample = a->source;
	}
	return 0;
}

static int subnet_public(pst_run *run, const char *id, const char **why)
{
	const dm_resource *s = dm__pst_get(run, "aws_subnet", id);
	const dm_resource *rt;
	const char *how;

	if (!s)
		return 0;
	if (dm__pst_bool(s->attrs, "map_public_ip_on_launch")) {
		*why = "map_public_ip_on_launch";
		return 1;
	}
	rt = dm__pst_subnet_rtb(run, s, &how);
	if (dm__pst_igw_route(rt, 4) || dm__pst_igw_route(rt, 6)) {
		*why = "routed to an internet gateway";
		return 1;
	}
	return 0;
}

static int cluster_rules(pst_run *run, const dm_resource *cl)
{
	const json_t *vpc = dm__pst_block(cl->attrs, "vpc_config");
	const dm_posture_config *c = run->cfg;
	char scope[256];
	int rc = 0;
	size_t i;

	snprintf(scope, sizeof(scope), "aws/%s/%s", cl->account ? cl->account : "*", cl->region ? cl->region : "*");
	/* EKS-01 */
	if (dm__pst_rule_on(run, "EKS-01") && vpc && dm__pst_bool(vpc, "endpoint_public_access")) {
		const json_t *cidrs = json_object_get(vpc, "public_access_cidrs");
		int open = cidrs_internet(cidrs);
		rc = dm__pst_add(run, "EKS-01", open ? DM_SEV_HIGH : DM_SEV_LOW, cl, "",
				 json_pack("{s:s,s:b,s:b,s:O?}", "cluster", cl->id, "endpoint_public_access", 1,
					   "endpoint_private_access", dm__pst_bool(vpc, "endpoint_private_access"),
					   "public_access_cidrs", cidrs),
				 NULL, 0, "cluster %s API endpoint is public%s", cl->id,
				 open ? " to the internet" : " (restricted CIDRs)");
		if (rc < 0)
			return rc;
	}
	/* EKS-02 */
	if (dm__pst_rule_on(run, "EKS-02")) {
		const json_t *types = json_object_get(cl->attrs, "enabled_cluster_log_types");
		json_t *missing = json_array();
		for (i = 0; i < c->eks_log_types.n; i++) {
			size_t k;
			const json_t *t;
			int has = 0;
			json_array_foreach(types, k, t) {
				has |= json_is_string(t) && strcmp(json_string_value(t), c->eks_log_types.v[i]) == 0;
			}
			if (!has)
				json_array_append_new(missing, json_string(c->eks_log_types.v[i]));
		}
		if (json_array_size(missing))
			rc = dm__pst_add(run, "EKS-02", DM_SEV_MEDIUM, cl, "",
					 json_pack("{s:s,s:O?,s:o}", "cluster", cl->id, "enabled_cluster_log_types", types,
						   "missing", missing),
					 NULL, 0, "cluster %s does not log required control-plane types", cl->id);
		else
			json_decref(missing);
		if (rc < 0)
			return rc;
	}
	/* EKS-03 */
	if (dm__pst_rule_on(run, "EKS-03")) {
		const json_t *enc = json_object_get(cl->attrs, "encryption_config"), *e;
		int ok = 0;
		if (!enc) {
			dm__pst_not_eval(run, "EKS-03", scope, "aws_eks_cluster.encryption_config not collected");
		} else {
			json_array_foreach(enc, i, e) {
				const json_t *prov = dm__pst_block(e, "provider");
				const json_t *res = json_object_get(e, "resources"), *r;
				size_t k;
				json_array_foreach(res, k, r) {
					if (json_is_string(r) && strcmp(json_string_value(r), "secrets") == 0 && prov &&
					    *dm__pst_str(prov, "key_arn"))
						ok = 1;
				}
			}
			if (!ok) {
				int m = minor_of(dm__pst_str(cl->attrs, "version"));
				rc = dm__pst_add(run, "EKS-03", m >= 28 ? DM_SEV_LOW : DM_SEV_MEDIUM, cl, "",
						 json_pack("{s:s,s:O,s:s}", "cluster", cl->id, "encryption_config", enc,
							   "version", dm__pst_str(cl->attrs, "version")),
						 NULL, 0, "cluster %s secrets are not envelope-encrypted with a KMS key", cl->id);
				if (rc < 0)
					return rc;
			}
		}
	}
	/* EKS-07 */
	if (dm__pst_rule_on(run, "EKS-07") && vpc) {
		const dm_resource *v = dm__pst_get(run, "aws_vpc", dm__pst_str(vpc, "vpc_id"));
		const json_t *sgs = json_object_get(vpc, "security_group_ids"), *s;
		const char *csg = dm__pst_str(vpc, "cluster_security_group_id");
		open_ctx o;
		if (v && ((v->flags & DM_RES_AWS_CREATED) || dm__pst_bool(v->attrs, "default")) &&
		    (rc = dm__pst_add(run, "EKS-07", DM_SEV_MEDIUM, cl, "default-vpc",
				      json_pack("{s:s,s:s}", "cluster", cl->id, "vpc", v->id), NULL, 0,
				      "cluster %s runs in the default VPC %s", cl->id, v->id)) < 0)
			return rc;
		memset(&o, 0, sizeof(o));
		json_array_foreach(sgs, i, s) {
			const dm_resource *sg = dm__pst_get(run, "aws_security_group", json_string_value(s));
			if (sg && (rc = dm__pst_sg_atoms(run, sg, 0, open_atom, &o)) < 0)
				return rc;
		}
		if (*csg) {
			const dm_resource *sg = dm__pst_get(run, "aws_security_group", csg);
			if (sg && (rc = dm__pst_sg_atoms(run, sg, 0, open_atom, &o)) < 0)
				return rc;
		}
		if (o.open && (rc = dm__pst_add(run, "EKS-07", DM_SEV_MEDIUM, cl, "sg-open",
						json_pack("{s:s,s:s}", "cluster", cl->id, "internet_source", o.sample), NULL,
						0, "cluster %s security groups admit the internet", cl->id)) < 0)
			return rc;
		if (json_array_size(sgs) > 1 &&
		    (rc = dm__pst_add(run, "EKS-07", DM_SEV_MEDIUM, cl, "multiple-sgs",
				      json_pack("{s:s,s:O}", "cluster", cl->id, "security_group_ids", sgs), NULL, 0,
				      "cluster %s has %zu additional security groups", cl->id, json_array_size(sgs))) < 0)
			return rc;
	}
	return 0;
}

static int nodegroup_rules(pst_run *run, const dm_resource *ng)
{
	const dm_resource *cl = dm__pst_get(run, "aws_eks_cluster", dm__pst_str(ng->attrs, "cluster_name"));
	char scope[256];
	int rc = 0;
	size_t i;
	const json_t *s;

	snprintf(scope, sizeof(scope), "aws/%s/%s", ng->account ? ng->account : "*", ng->region ? ng->region : "*");
	/* EKS-05 */
	if (dm__pst_rule_on(run, "EKS-05") && cl) {
		const char *cv = dm__pst_str(cl->attrs, "version"), *nv = dm__pst_str(ng->attrs, "version");
		int cm = minor_of(cv), nm = minor_of(nv);
		if (cm >= 0 && nm >= 0 && cm != nm) {
			int allowed = nm < 25 ? 2 : 3;
			dm_severity sev = nm > cm || cm - nm > allowed ? DM_SEV_HIGH : DM_SEV_LOW;
			rc = dm__pst_add(run, "EKS-05", sev, ng, "version-skew",
					 json_pack("{s:s,s:s,s:s,s:i,s:s?}", "node_group", ng->id, "cluster_version", cv,
						   "node_version", nv, "allowed_skew_minors", allowed, "release_version",
						   dm__pst_str(ng->attrs, "release_version")),
					 NULL, 0, "node group %s runs %s against control plane %s%s", ng->id, nv, cv,
					 nm > cm ? " (newer than the control plane)"
					 : cm - nm > allowed ? " (outside the version-skew policy)" : "");
			if (rc < 0)
				return rc;
		}
	} else if (dm__pst_rule_on(run, "EKS-05") && !cl) {
		dm__pst_not_eval(run, "EKS-05", scope, "cluster of node group %s not in the inventory", ng->id);
	}
	/* EKS-06 */
	if (dm__pst_rule_on(run, "EKS-06")) {
		const json_t *ra = json_object_get(ng->attrs, "remote_access");
		const json_t *b = dm__pst_block(ng->attrs, "remote_access");
		if (!ra) {
			dm__pst_not_eval(run, "EKS-06", scope, "aws_eks_node_group.remote_access not collected");
		} else if (b && *dm__pst_str(b, "ec2_ssh_key") &&
			   !json_array_size(json_object_get(b, "source_security_group_ids"))) {
			rc = dm__pst_add(run, "EKS-06", DM_SEV_HIGH, ng, "",
					 json_pack("{s:s,s:O}", "node_group", ng->id, "remote_access", b), NULL, 0,
					 "node group %s allows SSH (key %s) from anywhere", ng->id,
					 dm__pst_str(b, "ec2_ssh_key"));
			if (rc < 0)
				return rc;
		}
	}
	/* EKS-07: node subnets public */
	if (dm__pst_rule_on(run, "EKS-07")) {
		json_array_foreach(json_object_get(ng->attrs, "subnet_ids"), i, s) {
			const char *why = NULL;
			char sub[128];
			if (!json_is_string(s) || !subnet_public(run, json_string_value(s), &why))
				continue;
			snprintf(sub, sizeof(sub), "public-subnet:%s", json_string_value(s));
			rc = dm__pst_add(run, "EKS-07", DM_SEV_MEDIUM, ng, sub,
					 json_pack("{s:s,s:s,s:s}", "node_group", ng->id, "subnet", json_string_value(s),
						   "reason", why),
					 NULL, 0, "node group %s uses public subnet %s (%s)", ng->id, json_string_value(s), why);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int dm__pst_eks_rules(pst_run *run)
{
	const pst_vec *cls = dm__pst_type(run, "aws_eks_cluster"), *ngs = dm__pst_type(run, "aws_eks_node_group");
	int api = 0, emb = 0, rc = 0;
	size_t i;

	for (i = 0; i < cls->n; i++) {
		if ((rc = cluster_rules(run, cls->v[i])) < 0)
			goto done;
		if (dm__pst_rule_on(run, "EKS-04") && (rc = eks04(run, cls->v[i], &api, &emb)) < 0)
			goto done;
	}
	for (i = 0; i < ngs->n; i++) {
		if ((rc = nodegroup_rules(run, ngs->v[i])) < 0)
			goto done;
	}
	if (cls->n) {
		run->res->eks_calendar = api && emb ? "eks:DescribeClusterVersions, embedded table as of " EKS_CALENDAR_AS_OF
					 : api ? "eks:DescribeClusterVersions"
					 : "embedded table as of " EKS_CALENDAR_AS_OF;
	}
done:
	if (rc < 0)
		dm__error(run->ctx, rc, "posture: out of memory evaluating EKS rules");
	return rc;
}
