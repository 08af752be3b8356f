/*
 * driftmap AWS provider — posture collection (see aws_posture_collect.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "providers/aws/aws_posture_collect.h"
#include "providers/aws/aws_svc_internal.h"

#define API_ENI "ec2:DescribeNetworkInterfaces"
#define API_INST "ec2:DescribeInstances"
#define API_LT "ec2:DescribeLaunchTemplateVersions"
#define API_PL "ec2:DescribeManagedPrefixLists"
#define API_PLE "ec2:GetManagedPrefixListEntries"
#define API_TGW "ec2:DescribeTransitGateways"
#define API_GEN "iam:GenerateCredentialReport"
#define API_CR "iam:GetCredentialReport"
#define API_CV "eks:DescribeClusterVersions"
#define FORM "application/x-www-form-urlencoded; charset=utf-8"
#define CRED_REPORT_MAX (16u << 20)
#define GEN_MAX_TRIES 40

static const char *const t_eni[] = { "aws_network_interface" };
static const char *const t_inst[] = { "aws_instance" };
static const char *const t_lt[] = { "aws_launch_template" };
static const char *const t_pl[] = { "aws_ec2_managed_prefix_list" };
static const char *const t_tgw[] = { "aws_ec2_transit_gateway" };
static const char *const t_cr[] = { "aws_iam_credential_report" };
static const char *const t_cv[] = { "aws_eks_cluster_versions" };

/* ---- mappers ------------------------------------------------------------------- */

static json_t *strlist_or_empty(xmlNodePtr parent, const char *set, const char *field)
{
	json_t *l = aws__x_strlist(parent, set, field);

	return l ? l : json_array();
}

static json_t *tags_of(xmlNodePtr it)
{
	json_t *t = aws__x_tags(it, "tagSet", "key", "value");

	return t ? t : json_object();
}

int aws_posture_map_enis(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr set = aws__x_path(xmlDocGetRootElement(doc), "networkInterfaceSet");

	(void)mc;
	AWS_X_EACH(it, set) {
		char *id = aws_xml_child_text(it, "networkInterfaceId");
		json_t *o = json_object(), *assoc = json_array(), *att = json_array();
		xmlNodePtr a = aws_xml_child(it, "association"), t = aws_xml_child(it, "attachment");
		int rc = 0;

		if (!id || !o || !assoc || !att) {
			free(id);
			json_decref(o);
			json_decref(assoc);
			json_decref(att);
			return DM_ENOMEM;
		}
		rc |= aws__j_str(o, "subnet_id", it, "subnetId", "");
		rc |= aws__j_str(o, "vpc_id", it, "vpcId", "");
		rc |= aws__j_str(o, "interface_type", it, "interfaceType", "interface");
		rc |= aws__j_bool(o, "requester_managed", it, "requesterManaged", 0);
		rc |= aws__j_str(o, "requester_id", it, "requesterId", "");
		rc |= aws__j_str(o, "private_ip", it, "privateIpAddress", "");
		rc |= aws__j_str(o, "description", it, "description", "");
		rc |= aws__jset(o, "security_groups", strlist_or_empty(it, "groupSet", "groupId"));
		rc |= aws__jset(o, "ipv6_addresses", strlist_or_empty(it, "ipv6AddressesSet", "ipv6Address"));
		if (a) {
			json_t *x = json_object();
			rc |= x ? 0 : -1;
			rc |= aws__j_str(x, "public_ip", a, "publicIp", "");
			rc |= aws__j_str(x, "ip_owner_id", a, "ipOwnerId", "");
			rc |= aws__j_str(x, "allocation_id", a, "allocationId", "");
			json_array_append_new(assoc, x);
		}
		if (t) {
			json_t *x = json_object();
			rc |= x ? 0 : -1;
			rc |= aws__j_str(x, "instance", t, "instanceId", "");
			rc |= aws__j_str(x, "instance_owner_id", t, "instanceOwnerId", "");
			rc |= aws__j_int(x, "device_index", t, "deviceIndex", 0);
			rc |= aws__j_str(x, "attachment_id", t, "attachmentId", "");
			json_array_append_new(att, x);
		}
		rc |= aws__jset(o, "association", assoc);
		rc |= aws__jset(o, "attachment", att);
		rc |= aws__j_tags(o, tags_of(it));
		if (rc != 0 || aws_reslist_add(out, "aws_network_interface", id, rc ? NULL : o, 0) < 0) {
			if (rc)
				json_decref(o);
			free(id);
			return DM_ENOMEM;
		}
		free(id);
	}
	return 0;
}

int aws_posture_map_instances(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr rset = aws__x_path(xmlDocGetRootElement(doc), "reservationSet");

	(void)mc;
	AWS_X_EACH(r, rset) {
		AWS_X_EACH(it, aws_xml_child(r, "instancesSet")) {
			char *id = aws_xml_child_text(it, "instanceId");
			char *arn = NULL;
			json_t *o = json_object();
			xmlNodePtr prof = aws_xml_child(it, "iamInstanceProfile");
			xmlNodePtr st = aws_xml_child(it, "instanceState");
			xmlNodePtr md = aws_xml_child(it, "metadataOptions");
			int rc = 0;

			if (!id || !o) {
				free(id);
				json_decref(o);
				return DM_ENOMEM;
			}
			rc |= aws__j_str(o, "subnet_id", it, "subnetId", "");
			rc |= aws__j_str(o, "vpc_id", it, "vpcId", "");
			rc |= aws__j_str(o, "public_ip", it, "ipAddress", "");
			rc |= aws__j_str(o, "private_ip", it, "privateIpAddress", "");
			rc |= aws__j_str(o, "instance_type", it, "instanceType", "");
			rc |= aws__j_str(o, "instance_state", st, "name", "");
			rc |= aws__jset(o, "vpc_security_group_ids", strlist_or_empty(it, "groupSet", "groupId"));
			arn = prof ? aws_xml_child_text(prof, "arn") : NULL;
			/* Terraform keeps the profile *name*; the ARN is arn:…:instance-profile/PATH/NAME */
			rc |= aws__jset(o, "iam_instance_profile",
					json_string(arn && strrchr(arn, '/') ? strrchr(arn, '/') + 1 : ""));
			if (md) {
				json_t *m = json_object();
				rc |= aws__j_str(m, "http_tokens", md, "httpTokens", "");
				rc |= aws__j_str(m, "http_endpoint", md, "httpEndpoint", "");
				rc |= aws__jset(o, "metadata_options", json_pack("[o]", m));
			}
			rc |= aws__j_tags(o, tags_of(it));
			free(arn);
			if (rc != 0 || aws_reslist_add(out, "aws_instance", id, o, 0) < 0) {
				if (rc)
					json_decref(o);
				free(id);
				return DM_ENOMEM;
			}
			free(id);
		}
	}
	return 0;
}

int aws_posture_map_launch_templates(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr set = aws__x_path(xmlDocGetRootElement(doc), "launchTemplateVersionSet");

	(void)mc;
	AWS_X_EACH(it, set) {
		char *id = aws_xml_child_text(it, "launchTemplateId");
		json_t *o = json_object(), *nis = json_array();
		xmlNodePtr data = aws_xml_child(it, "launchTemplateData");
		int rc = 0;

		if (!id || !o || !nis) {
			free(id);
			json_decref(o);
			json_decref(nis);
			return DM_ENOMEM;
		}
		rc |= aws__j_str(o, "name", it, "launchTemplateName", "");
		rc |= aws__j_int(o, "default_version", it, "versionNumber", 0);
		AWS_X_EACH(ni, data ? aws_xml_child(data, "networkInterfaceSet") : NULL) {
			json_t *x = json_object();
			char *pub = aws_xml_child_text(ni, "associatePublicIpAddress");
			rc |= x ? 0 : -1;
			/* Terraform writes this tri-state as a string: "true", "false" or "" */
			rc |= aws__jset(x, "associate_public_ip_address", json_string(pub ? pub : ""));
			rc |= aws__j_int(x, "device_index", ni, "deviceIndex", 0);
			rc |= aws__jset(x, "security_groups", strlist_or_empty(ni, "groupSet", NULL));
			free(pub);
			json_array_append_new(nis, x);
		}
		rc |= aws__jset(o, "network_interfaces", nis);
		if (rc != 0 || aws_reslist_add(out, "aws_launch_template", id, o, 0) < 0) {
			if (rc)
				json_decref(o);
			free(id);
			return DM_ENOMEM;
		}
		free(id);
	}
	return 0;
}

int aws_posture_map_prefix_lists(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr set = aws__x_path(xmlDocGetRootElement(doc), "prefixListSet");

	(void)mc;
	AWS_X_EACH(it, set) {
		char *id = aws_xml_child_text(it, "prefixListId");
		json_t *o = json_object();
		int rc = 0;

		if (!id || !o) {
			free(id);
			json_decref(o);
			return DM_ENOMEM;
		}
		rc |= aws__j_str(o, "name", it, "prefixListName", "");
		rc |= aws__j_str(o, "address_family", it, "addressFamily", "");
		rc |= aws__j_str(o, "owner_id", it, "ownerId", "");
		rc |= aws__j_int(o, "max_entries", it, "maxEntries", 0);
		rc |= aws__j_str(o, "arn", it, "prefixListArn", "");
		rc |= aws__jset(o, "entry", json_array());
		rc |= aws__j_tags(o, tags_of(it));
		if (rc != 0 || aws_reslist_add(out, "aws_ec2_managed_prefix_list", id, o, 0) < 0) {
			if (rc)
				json_decref(o);
			free(id);
			return DM_ENOMEM;
		}
		free(id);
	}
	return 0;
}

int aws_posture_map_transit_gateways(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr set = aws__x_path(xmlDocGetRootElement(doc), "transitGatewaySet");

	(void)mc;
	AWS_X_EACH(it, set) {
		char *id = aws_xml_child_text(it, "transitGatewayId"), *state = aws_xml_child_text(it, "state");
		xmlNodePtr opt = aws_xml_child(it, "options");
		json_t *o;
		int rc = 0;

		if (state && (strcmp(state, "deleted") == 0 || strcmp(state, "deleting") == 0)) {
			free(id);
			free(state);
			continue;
		}
		free(state);
		o = json_object();
		if (!id || !o) {
			free(id);
			json_decref(o);
			return DM_ENOMEM;
		}
		rc |= aws__j_str(o, "description", it, "description", "");
		rc |= aws__j_str(o, "owner_id", it, "ownerId", "");
		rc |= aws__j_str(o, "arn", it, "transitGatewayArn", "");
		/* Terraform's aws_ec2_transit_gateway: "enable" / "disable" */
		rc |= aws__j_str(o, "auto_accept_shared_attachments", opt, "autoAcceptSharedAttachments", "disable");
		rc |= aws__j_str(o, "default_route_table_association", opt, "defaultRouteTableAssociation", "");
		rc |= aws__j_str(o, "default_route_table_propagation", opt, "defaultRouteTablePropagation", "");
		rc |= aws__j_tags(o, tags_of(it));
		if (rc != 0 || aws_reslist_add(out, "aws_ec2_transit_gateway", id, rc ? NULL : o, 0) < 0) {
			if (rc)
				json_decref(o);
			free(id);
			return DM_ENOMEM;
		}
		free(id);
	}
	return 0;
}

int aws_posture_map_prefix_list_entries(aws_res *pl, xmlDocPtr doc)
{
	xmlNodePtr set = aws__x_path(xmlDocGetRootElement(doc), "entrySet");
	json_t *entries = json_object_get(pl->attrs, "entry");

	if (!json_is_array(entries))
		return DM_EPARSE;
	AWS_X_EACH(it, set) {
		json_t *x = json_object();
		if (!x || aws__j_str(x, "cidr", it, "cidr", "") < 0 || aws__j_str(x, "description", it, "description", "") < 0 ||
		    json_array_append_new(entries, x) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

/* Split one CSV line (RFC 4180 quotes) into at most max fields; returns the count. */
static size_t csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *w;

	while (n < max) {
		int q = *p == '"';
		if (q)
			p++;
		f[n++] = w = p;
		for (;;) {
			if (!*p)
				break;
			if (q && *p == '"' && p[1] == '"') {
				*w++ = '"';
				p += 2;
				continue;
			}
			if (q && *p == '"') {
				q = 0;
				p++;
				continue;
			}
			if (!q && *p == ',')
				break;
			*w++ = *p++;
		}
		if (!*p) {
			*w = '\0';
			break;
		}
		*w = '\0';
		p++;
	}
	return n;
}

int aws_posture_map_credential_report(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr res = aws__x_path(xmlDocGetRootElement(doc), "GetCredentialReportResult");
	char *b64 = res ? aws_xml_child_text(res, "Content") : NULL, *csv = NULL, *line, *next;
	char *hdr[64], *val[64];
	size_t nh = 0, len, i;
	int n, rc = DM_EPARSE;
	json_t *o = NULL, *users = NULL;

	if (!b64)
		return DM_EPARSE;
	len = strlen(b64);
	if (len > CRED_REPORT_MAX)
		goto done;
	csv = malloc(len / 4 * 3 + 4);
	if (!csv) {
		rc = DM_ENOMEM;
		goto done;
	}
	n = EVP_DecodeBlock((unsigned char *)csv, (const unsigned char *)b64, (int)len);
	if (n < 0)
		goto done;
	while (n > 0 && csv[n - 1] == '\0') /* EVP_DecodeBlock counts the '=' padding as zero bytes */
		n--;
	csv[n] = '\0';
	o = json_object();
	users = json_array();
	if (!o || !users) {
		rc = DM_ENOMEM;
		goto done;
	}
	for (line = csv; line && *line; line = next) {
		size_t nv;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (!*line)
			continue;
		if (!nh) {
			nh = csv_split(line, hdr, 64);
			continue;
		}
		nv = csv_split(line, val, 64);
		{
			json_t *row = json_object();
			if (!row || json_array_append_new(users, row) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
			for (i = 0; i < nv && i < nh; i++)
				json_object_set_new(row, hdr[i], json_string(val[i]));
		}
	}
	if (!nh)
		goto done;
	aws__j_str(o, "generated_time", res, "GeneratedTime", "");
	json_object_set_new(o, "users", users);
	users = NULL;
	rc = aws_reslist_add(out, "aws_iam_credential_report", mc->account, o, 0);
	o = NULL;
done:
	json_decref(o);
	json_decref(users);
	free(b64);
	free(csv);
	return rc;
}

int aws_posture_map_cluster_versions(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc)
{
	const json_t *list = json_object_get(resp, "clusterVersions"), *v;
	aws_res *r = aws_reslist_find(out, "aws_eks_cluster_versions", mc->region);
	json_t *arr;
	size_t i;

	if (!r) {
		if (aws_reslist_add(out, "aws_eks_cluster_versions", mc->region,
				    json_pack("{s:[]}", "cluster_versions"), 0) < 0)
			return DM_ENOMEM;
		r = aws_reslist_find(out, "aws_eks_cluster_versions", mc->region);
	}
	arr = json_object_get(r->attrs, "cluster_versions");
	json_array_foreach(list, i, v) {
		static const struct { const char *from, *to; } keys[] = {
			{"clusterVersion", "cluster_version"}, {"versionStatus", "version_status"},
			{"status", "status"}, {"releaseDate", "release_date"},
			{"endOfStandardSupportDate", "end_of_standard_support_date"},
			{"endOfExtendedSupportDate", "end_of_extended_support_date"},
			{"kubernetesPatchVersion", "kubernetes_patch_version"}, {"defaultVersion", "default_version"},
		};
		json_t *x = json_object();
		size_t k;
		if (!x)
			return DM_ENOMEM;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			json_t *val = json_object_get(v, keys[k].from);
			if (val)
				json_object_set(x, keys[k].to, val);
		}
		if (json_array_append_new(arr, x) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

/* ---- orchestration ------------------------------------------------------------- */

typedef struct pc_ud {
	aws_job *j;
	const char *api; /* the call this response answers (static string) */
	char *pl_id;  /* GetManagedPrefixListEntries: the list */
	int tries;    /* GenerateCredentialReport polls */
} pc_ud;

static void pc_done(aws_client *cl, int rc, const aws_response *resp, void *ud);

static int ec2_page(aws_job *j, const char *action, const char *api, const char *token, const char *pl_id)
{
	const char *kv[8];
	size_t n = 0;
	char *body;
	pc_ud *u = dm__calloc(1, sizeof(*u));
	int rc;

	if (!u) {
		aws__job_fail(j, "%s %s: out of memory", api, j->region);
		return DM_ENOMEM;
	}
	u->j = j;
	u->api = api;
	kv[n++] = "MaxResults";
	kv[n++] = strcmp(api, API_INST) == 0 ? "1000" : "100";
	if (strcmp(api, API_LT) == 0) {
		kv[n++] = "LaunchTemplateVersion.1"; /* the wire name of the SDKs' Versions */
		kv[n++] = "$Default";
	}
	if (pl_id) {
		kv[n++] = "PrefixListId";
		kv[n++] = pl_id;
		u->pl_id = dm__strdup(pl_id);
	}
	if (token) {
		kv[n++] = "NextToken";
		kv[n++] = token;
	}
	body = aws_query_body(action, AWS_EC2_VERSION, kv, n / 2);
	if (!body || (pl_id && !u->pl_id)) {
		aws__job_fail(j, "%s %s: out of memory", api, j->region);
		free(body);
		free(u->pl_id);
		free(u);
		return DM_ENOMEM;
	}
	rc = aws__job_submit(j, api, "POST", "/", "", body, FORM, pc_done, u);
	free(body);
	if (rc < 0) {
		free(u->pl_id);
		free(u);
	}
	return rc;
}

static const char *ec2_action(const char *api)
{
	return api + 4; /* "ec2:DescribeInstances" -> "DescribeInstances" */
}

static int iam_call(aws_job *j, const char *api, int tries)
{
	char *body = aws_query_body(api + 4, AWS_IAM_VERSION, NULL, 0);
	pc_ud *u = dm__calloc(1, sizeof(*u));
	int rc;

	if (!body || !u) {
		aws__job_fail(j, "%s: out of memory", api);
		free(body);
		free(u);
		return DM_ENOMEM;
	}
	u->j = j;
	u->api = api;
	u->tries = tries;
	rc = aws__job_submit(j, api, "POST", "/", "", body, FORM, pc_done, u);
	free(body);
	if (rc < 0)
		free(u);
	return rc;
}

static int eks_versions_page(aws_job *j, const char *token)
{
	char *enc = token ? aws_uri_encode(token, 1) : NULL;
	char q[2048];
	pc_ud *u = dm__calloc(1, sizeof(*u));
	int rc;

	if (!u || (token && !enc)) {
		aws__job_fail(j, "%s %s: out of memory", API_CV, j->region);
		free(enc);
		free(u);
		return DM_ENOMEM;
	}
	u->j = j;
	u->api = API_CV;
	snprintf(q, sizeof(q), "maxResults=100%s%s", enc ? "&nextToken=" : "", enc ? enc : "");
	free(enc);
	rc = aws__job_submit(j, API_CV, "GET", "/cluster-versions", q, NULL, NULL, pc_done, u);
	if (rc < 0)
		free(u);
	return rc;
}

static void ec2_response(aws_job *j, const char *api, pc_ud *u, const aws_response *resp)
{
	xmlDocPtr doc = NULL;
	char *token = NULL;
	int rc = 0;

	if (aws__job_xml(j, api, resp, &doc) < 0)
		return;
	if (strcmp(api, API_ENI) == 0)
		rc = aws_posture_map_enis(&j->res, doc, &j->mc);
	else if (strcmp(api, API_INST) == 0)
		rc = aws_posture_map_instances(&j->res, doc, &j->mc);
	else if (strcmp(api, API_LT) == 0)
		rc = aws_posture_map_launch_templates(&j->res, doc, &j->mc);
	else if (strcmp(api, API_PL) == 0)
		rc = aws_posture_map_prefix_lists(&j->res, doc, &j->mc);
	else if (strcmp(api, API_TGW) == 0)
		rc = aws_posture_map_transit_gateways(&j->res, doc, &j->mc);
	else if (strcmp(api, API_PLE) == 0) {
		aws_res *pl = aws_reslist_find(&j->res, "aws_ec2_managed_prefix_list", u->pl_id);
		rc = pl ? aws_posture_map_prefix_list_entries(pl, doc) : 0;
	}
	if (rc < 0) {
		aws__job_fail(j, "%s %s: cannot map the response", api, j->region);
		goto done;
	}
	token = aws_ec2_next_token(doc);
	if (token) {
		ec2_page(j, strcmp(api, API_PLE) == 0 ? "GetManagedPrefixListEntries" : ec2_action(api), api, token,
			 u->pl_id);
		goto done;
	}
	if (strcmp(api, API_PL) == 0) {
		/* entries of customer-managed lists (AWS-managed lists never hold 0.0.0.0/0) */
		for (size_t i = 0; i < j->res.n && !j->failed; i++) {
			const char *owner = json_string_value(json_object_get(j->res.v[i].attrs, "owner_id"));
			if (owner && strcmp(owner, "AWS") == 0)
				continue;
			if (json_array_size(json_object_get(j->res.v[i].attrs, "entry")) == 0 &&
			    !json_object_get(j->res.v[i].attrs, "__queued")) {
				json_object_set_new(j->res.v[i].attrs, "__queued", json_true());
				ec2_page(j, "GetManagedPrefixListEntries", API_PLE, NULL, j->res.v[i].id);
			}
		}
		for (size_t i = 0; i < j->res.n; i++)
			json_object_del(j->res.v[i].attrs, "__queued");
	}
done:
	free(token);
	xmlFreeDoc(doc);
}

static void iam_response(aws_job *j, const char *api, pc_ud *u, const aws_response *resp)
{
	xmlDocPtr doc = NULL;

	if (aws__job_xml(j, api, resp, &doc) < 0)
		return;
	if (strcmp(api, API_GEN) == 0) {
		xmlNodePtr r = aws__x_path(xmlDocGetRootElement(doc), "GenerateCredentialReportResult");
		char *state = r ? aws_xml_child_text(r, "State") : NULL;
		if (state && strcmp(state, "COMPLETE") == 0) {
			iam_call(j, API_CR, 0);
		} else if (u->tries >= GEN_MAX_TRIES) {
			aws__job_fail(j, "%s: credential report not ready after %d polls", API_GEN, u->tries);
		} else {
			usleep(500 * 1000); /* the report takes seconds; poll at 2 Hz (bounded) */
			iam_call(j, API_GEN, u->tries + 1);
		}
		free(state);
	} else if (aws_posture_map_credential_report(&j->res, doc, &j->mc) < 0) {
		aws__job_fail(j, "%s: cannot decode the credential report", API_CR);
	}
	xmlFreeDoc(doc);
}

static void pc_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	pc_ud *u = ud;
	aws_job *j = u->j;
	const char *api = u->api;

	(void)cl;
	j->pending--;
	if (j->failed)
		goto done;
	if (aws__job_check(j, api, rc, resp) < 0)
		goto done;
	if (strcmp(j->service, "ec2") == 0) {
		ec2_response(j, api, u, resp);
	} else if (strcmp(j->service, "iam") == 0) {
		iam_response(j, api, u, resp);
	} else {
		json_error_t err;
		json_t *v = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, &err);
		const char *token;
		if (!v) {
			aws__job_fail(j, "%s %s: invalid JSON: %s", API_CV, j->region, err.text);
			goto done;
		}
		if (aws_posture_map_cluster_versions(&j->res, v, &j->mc) < 0)
			aws__job_fail(j, "%s %s: out of memory", API_CV, j->region);
		token = json_string_value(json_object_get(v, "nextToken"));
		if (token && *token && !j->failed)
			eks_versions_page(j, token);
		json_decref(v);
	}
done:
	free(u->pl_id);
	free(u);
}

int aws_scan_posture(aws_scan *s, const char *account, const char *region, const aws_creds *creds)
{
	static const struct {
		const char *api;
		const char *const *types;
	} lists[] = {
		{ API_ENI, t_eni }, { API_INST, t_inst }, { API_LT, t_lt }, { API_PL, t_pl },
		{ API_TGW, t_tgw },
	};
	aws_job *j;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		j = aws__job_new(s, "ec2", account, region, region, lists[i].api, lists[i].types, 1, creds);
		if (!j)
			return DM_ENOMEM;
		if (strcmp(lists[i].api, API_PL) == 0)
			j->apis[j->napis++] = API_PLE;
		ec2_page(j, ec2_action(lists[i].api), lists[i].api, NULL, NULL);
	}
	j = aws__job_new(s, "eks", account, region, region, API_CV, t_cv, 1, creds);
	if (!j)
		return DM_ENOMEM;
	eks_versions_page(j, NULL);
	if (!aws__scan_find(s, account, "global", API_CR)) {
		/* IAM is global: one report per account, signed in the partition's IAM region */
		const char *part = aws_partition_of(region);
		const char *sign = strcmp(part, "aws-cn") == 0 ? "cn-north-1"
				   : strcmp(part, "aws-us-gov") == 0 ? "us-gov-west-1" : "us-east-1";
		j = aws__job_new(s, "iam", account, "global", sign, API_CR, t_cr, 1, creds);
		if (!j)
			return DM_ENOMEM;
		j->apis[j->napis++] = API_GEN;
		iam_call(j, API_GEN, 0);
		/* IAM-13: profiles without a role exist only in ListInstanceProfiles */
		if (aws_scan_iam_instance_profiles(s, account) < 0)
			return DM_ENOMEM;
	}
	return 0;
}
