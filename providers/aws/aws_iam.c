/*
 * IAM: all of it from GetAccountAuthorizationDetails (Filter Role, User,
 * Group + LocalManagedPolicy, following Marker) plus ListRoles (the two role
 * attributes GAAD's RoleDetail lacks: Description, MaxSessionDuration),
 * both list calls paged by Marker, mapped into aws_iam_role (with
 * every attachment and inline policy), aws_iam_user and aws_iam_group (the
 * same, plus the user's group memberships), aws_iam_policy and
 * aws_iam_instance_profile. With posture on, ListInstanceProfiles adds the
 * profiles GAAD cannot show (those without a role). IAM is global: scope
 * region "global", requests signed for us-east-1 (aws-cn: cn-north-1,
 * GovCloud: us-gov-west-1).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "providers/aws/aws_svc_internal.h"
#include "providers/aws/aws_xml.h"

#define API_GAAD "iam:GetAccountAuthorizationDetails"

static char *text(xmlNodePtr parent, const char *name)
{
	return aws_xml_child_text(parent, name);
}

char *aws_iam_policy_decode(const char *doc)
{
	const char *p = doc;

	if (!doc)
		return NULL;
	while (*p && isspace((unsigned char)*p))
		p++;
	/* raw JSON starts with '{'; AWS sends documents percent-encoded ("%7B...") */
	if (*p == '{' || !strchr(p, '%'))
		return dm__strdup(doc);
	return aws_url_decode(doc);
}

static int j_policy(json_t *o, const char *key, xmlNodePtr parent, const char *name)
{
	char *raw = text(parent, name);
	char *dec = raw ? aws_iam_policy_decode(raw) : NULL;
	int rc = aws__jset(o, key, json_string(dec ? dec : ""));

	if (raw && !dec)
		rc = -1;
	free(raw);
	free(dec);
	return rc;
}

static int aws_created_path(const char *path)
{
	return path && (strncmp(path, "/aws-service-role/", 18) == 0 ||
			strncmp(path, "/aws-reserved/", 14) == 0 ||
			strncmp(path, "/service-role/aws-", 18) == 0);
}

static int map_profile(aws_reslist *out, xmlNodePtr ip)
{
	char *name = text(ip, "InstanceProfileName");
	json_t *o = NULL;
	xmlNodePtr role = aws__x_first(aws_xml_child(ip, "Roles"));
	int bad = !name;

	if (bad || aws_reslist_find(out, "aws_iam_instance_profile", name)) {
		free(name);
		return bad ? -1 : 0;
	}
	o = json_object();
	bad = !o || aws__jset(o, "name", json_string(name)) < 0 ||
	      aws__j_str(o, "path", ip, "Path", "/") < 0 || aws__j_str(o, "arn", ip, "Arn", "") < 0 ||
	      aws__j_str(o, "unique_id", ip, "InstanceProfileId", "") < 0 ||
	      aws__j_str(o, "create_date", ip, "CreateDate", "") < 0 ||
	      aws__j_str(o, "role", role, "RoleName", "") < 0 ||
	      aws__j_tags(o, aws__x_tags(ip, "Tags", "Key", "Value")) < 0;
	if (!bad) {
		bad = aws_reslist_add(out, "aws_iam_instance_profile", name, o,
				      aws_created_path(json_string_value(json_object_get(o, "path")))
					      ? DM_RES_AWS_CREATED
					      : 0) < 0;
		o = NULL;
	}
	json_decref(o);
	free(name);
	return bad ? -1 : 0;
}

/* Inline policies of a role, user or group (RolePolicyList / UserPolicyList / GroupPolicyList). */
static json_t *inline_policies(xmlNodePtr principal, const char *list)
{
	json_t *a = json_array();

	AWS_X_EACH(p, aws_xml_child(principal, list)) {
		json_t *o = json_object();

		if (!a || !o || aws__j_str(o, "name", p, "PolicyName", "") < 0 ||
		    j_policy(o, "policy", p, "PolicyDocument") < 0 || json_array_append_new(a, o) < 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *role_last_used(xmlNodePtr role)
{
	xmlNodePtr lu = aws_xml_child(role, "RoleLastUsed");
	json_t *a = json_array(), *o;

	if (!a || !aws_xml_child(lu, "LastUsedDate"))
		return a;
	o = json_object();
	if (!o || aws__j_str(o, "last_used_date", lu, "LastUsedDate", "") < 0 ||
	    aws__j_str(o, "region", lu, "Region", "") < 0 || json_array_append_new(a, o) < 0) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	return a;
}

static int map_role(aws_reslist *out, xmlNodePtr r)
{
	char *name = text(r, "RoleName"), *path = text(r, "Path");
	json_t *o = json_object();
	int bad = !name || !o;

	if (!bad)
		bad = aws__jset(o, "name", json_string(name)) < 0 ||
		      aws__jset(o, "path", json_string(path ? path : "/")) < 0 ||
		      aws__j_str(o, "arn", r, "Arn", "") < 0 ||
		      aws__j_str(o, "unique_id", r, "RoleId", "") < 0 ||
		      aws__j_str(o, "create_date", r, "CreateDate", "") < 0 ||
		      j_policy(o, "assume_role_policy", r, "AssumeRolePolicyDocument") < 0 ||
		      aws__j_str(o, "description", r, "Description", "") < 0 ||
		      aws__j_int(o, "max_session_duration", r, "MaxSessionDuration", 3600) < 0 ||
		      aws__j_str(o, "permissions_boundary", aws_xml_child(r, "PermissionsBoundary"),
				 "PermissionsBoundaryArn", "") < 0 ||
		      aws__jset(o, "managed_policy_arns",
				aws__x_strlist(r, "AttachedManagedPolicies", "PolicyArn")) < 0 ||
		      aws__jset(o, "inline_policy", inline_policies(r, "RolePolicyList")) < 0 ||
		      aws__jset(o, "role_last_used", role_last_used(r)) < 0 ||
		      aws__j_tags(o, aws__x_tags(r, "Tags", "Key", "Value")) < 0;
	if (!bad) {
		bad = aws_reslist_add(out, "aws_iam_role", name, o,
				      aws_created_path(path) ? DM_RES_AWS_CREATED : 0) < 0;
		o = NULL;
	}
	AWS_X_EACH(ip, aws_xml_child(r, "InstanceProfileList")) {
		if (!bad)
			bad = map_profile(out, ip) < 0;
	}
	json_decref(o);
	free(name);
	free(path);
	return bad ? -1 : 0;
}

/*
 * UserDetail -> aws_iam_user. Besides Terraform's attributes the live user
 * carries what IAM holds about it (like a role): managed_policy_arns,
 * inline_policy and groups (its group names), resolved by coverage
 * against aws_iam_user_policy[_attachment], aws_iam_policy_attachment and
 * the membership resources (scanner/diff_atoms.c).
 */
static int map_user(aws_reslist *out, xmlNodePtr u)
{
	char *name = text(u, "UserName");
	json_t *o = json_object();
	int bad = !name || !o;

	if (!bad && aws_reslist_find(out, "aws_iam_user", name)) {
		json_decref(o);
		free(name);
		return 0;
	}
	if (!bad)
		bad = aws__jset(o, "name", json_string(name)) < 0 ||
		      aws__j_str(o, "path", u, "Path", "/") < 0 || aws__j_str(o, "arn", u, "Arn", "") < 0 ||
		      aws__j_str(o, "unique_id", u, "UserId", "") < 0 ||
		      aws__j_str(o, "create_date", u, "CreateDate", "") < 0 ||
		      aws__j_str(o, "permissions_boundary", aws_xml_child(u, "PermissionsBoundary"),
				 "PermissionsBoundaryArn", "") < 0 ||
		      aws__jset(o, "managed_policy_arns",
				aws__x_strlist(u, "AttachedManagedPolicies", "PolicyArn")) < 0 ||
		      aws__jset(o, "inline_policy", inline_policies(u, "UserPolicyList")) < 0 ||
		      aws__jset(o, "groups", aws__x_strlist(u, "GroupList", NULL)) < 0 ||
		      aws__j_tags(o, aws__x_tags(u, "Tags", "Key", "Value")) < 0;
	if (!bad) {
		bad = aws_reslist_add(out, "aws_iam_user", name, o, 0) < 0;
		o = NULL;
	}
	json_decref(o);
	free(name);
	return bad ? -1 : 0;
}

/* GroupDetail -> aws_iam_group (+ managed_policy_arns, inline_policy, as on roles). */
static int map_group(aws_reslist *out, xmlNodePtr g)
{
	char *name = text(g, "GroupName");
	json_t *o = json_object();
	int bad = !name || !o;

	if (!bad && aws_reslist_find(out, "aws_iam_group", name)) {
		json_decref(o);
		free(name);
		return 0;
	}
	if (!bad)
		bad = aws__jset(o, "name", json_string(name)) < 0 ||
		      aws__j_str(o, "path", g, "Path", "/") < 0 || aws__j_str(o, "arn", g, "Arn", "") < 0 ||
		      aws__j_str(o, "unique_id", g, "GroupId", "") < 0 ||
		      aws__j_str(o, "create_date", g, "CreateDate", "") < 0 ||
		      aws__jset(o, "managed_policy_arns",
				aws__x_strlist(g, "AttachedManagedPolicies", "PolicyArn")) < 0 ||
		      aws__jset(o, "inline_policy", inline_policies(g, "GroupPolicyList")) < 0;
	if (!bad) {
		bad = aws_reslist_add(out, "aws_iam_group", name, o, 0) < 0;
		o = NULL;
	}
	json_decref(o);
	free(name);
	return bad ? -1 : 0;
}

static int map_policy(aws_reslist *out, xmlNodePtr p)
{
	char *arn = text(p, "Arn"), *name = text(p, "PolicyName");
	json_t *o = json_object();
	xmlNodePtr def = NULL;
	int bad = !arn || !o;

	AWS_X_EACH(v, aws_xml_child(p, "PolicyVersionList")) {
		if (aws__x_text_is(v, "IsDefaultVersion", "true"))
			def = v;
	}
	if (!bad && !name) {
		/* moto leaves PolicyName out: the ARN's last path element is the name */
		const char *slash = strrchr(arn, '/');

		name = dm__strdup(slash ? slash + 1 : arn);
		bad = !name;
	}
	if (!bad)
		bad = aws__jset(o, "name", json_string(name)) < 0 ||
		      aws__jset(o, "arn", json_string(arn)) < 0 ||
		      aws__j_str(o, "path", p, "Path", "/") < 0 ||
		      aws__j_str(o, "description", p, "Description", "") < 0 ||
		      aws__j_str(o, "policy_id", p, "PolicyId", "") < 0 ||
		      aws__j_int(o, "attachment_count", p, "AttachmentCount", 0) < 0 ||
		      j_policy(o, "policy", def, "Document") < 0 ||
		      aws__j_tags(o, aws__x_tags(p, "Tags", "Key", "Value")) < 0;
	if (!bad) {
		bad = aws_reslist_add(out, "aws_iam_policy", arn, o, 0) < 0;
		o = NULL;
	}
	json_decref(o);
	free(arn);
	free(name);
	return bad ? -1 : 0;
}

int aws_iam_map_details(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc)
{
	xmlNodePtr res = aws_xml_child(xmlDocGetRootElement(doc), "GetAccountAuthorizationDetailsResult");

	(void)mc;
	AWS_X_EACH(r, aws_xml_child(res, "RoleDetailList")) {
		if (map_role(out, r) < 0)
			return DM_ENOMEM;
	}
	AWS_X_EACH(u, aws_xml_child(res, "UserDetailList")) {
		if (map_user(out, u) < 0)
			return DM_ENOMEM;
	}
	AWS_X_EACH(g, aws_xml_child(res, "GroupDetailList")) {
		if (map_group(out, g) < 0)
			return DM_ENOMEM;
	}
	AWS_X_EACH(p, aws_xml_child(res, "Policies")) {
		if (map_policy(out, p) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

/* One ListInstanceProfiles page -> aws_iam_instance_profile (profiles already mapped are kept). */
int aws_iam_map_instance_profiles(aws_reslist *out, xmlDocPtr doc)
{
	xmlNodePtr res = aws_xml_child(xmlDocGetRootElement(doc), "ListInstanceProfilesResult");

	if (!res)
		return DM_EPARSE;
	AWS_X_EACH(ip, aws_xml_child(res, "InstanceProfiles")) {
		if (map_profile(out, ip) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

int aws_iam_next_marker(xmlDocPtr doc, char **marker)
{
	/* <XResponse><XResult>…<IsTruncated/><Marker/></XResult> */
	xmlNodePtr res = aws__x_first(xmlDocGetRootElement(doc));

	*marker = NULL;
	if (!res)
		return DM_EPARSE;
	if (!aws__x_text_is(res, "IsTruncated", "true"))
		return 0;
	*marker = text(res, "Marker");
	if (!*marker || !**marker) {
		free(*marker);
		*marker = NULL;
		return DM_EPARSE; /* truncated without a marker: never claim completeness */
	}
	return 0;
}

/* ListRoles: what GetAccountAuthorizationDetails leaves out (Description, MaxSessionDuration). */
int aws_iam_map_list_roles(aws_reslist *out, xmlDocPtr doc)
{
	xmlNodePtr res = aws_xml_child(xmlDocGetRootElement(doc), "ListRolesResult");

	AWS_X_EACH(r, aws_xml_child(res, "Roles")) {
		char *name = text(r, "RoleName");
		json_t *o = json_object();
		int bad = !name || !o || aws__j_str(o, "description", r, "Description", "") < 0 ||
			  aws__j_int(o, "max_session_duration", r, "MaxSessionDuration", 3600) < 0;

		if (!bad) {
			bad = aws_reslist_add(out, "role_info", name, o, 0) < 0;
			o = NULL;
		}
		json_decref(o);
		free(name);
		if (bad)
			return DM_ENOMEM;
	}
	return 0;
}

void aws_iam_join_roles(aws_reslist *roles, const aws_reslist *infos)
{
	for (size_t i = 0; i < roles->n; i++) {
		const aws_res *info;

		if (strcmp(roles->v[i].type, "aws_iam_role") != 0)
			continue;
		info = aws_reslist_find(infos, "role_info", roles->v[i].id);
		if (!info)
			continue;
		json_object_set(roles->v[i].attrs, "description", json_object_get(info->attrs, "description"));
		json_object_set(roles->v[i].attrs, "max_session_duration",
				json_object_get(info->attrs, "max_session_duration"));
	}
}

/* ---- orchestration ------------------------------------------------------------ */

static const char *const t_iam[] = { "aws_iam_role",
				     "aws_iam_policy",
				     "aws_iam_instance_profile",
				     "aws_iam_role_policy",
				     "aws_iam_role_policy_attachment",
				     "aws_iam_policy_attachment",
				     "aws_iam_user",
				     "aws_iam_group",
				     "aws_iam_user_policy",
				     "aws_iam_user_policy_attachment",
				     "aws_iam_group_policy",
				     "aws_iam_group_policy_attachment",
				     "aws_iam_user_group_membership",
				     "aws_iam_group_membership" };

static void gaad_done(aws_client *cl, int rc, const aws_response *resp, void *ud);
static void lr_done(aws_client *cl, int rc, const aws_response *resp, void *ud);

#define API_LR "iam:ListRoles"

/* One page (1,000 items, from marker) of an IAM List* call. */
static int iam_list_submit(aws_job *j, const char *action, const char *api, const char *marker,
			   aws_done_fn done)
{
	const char *kv[4] = { "MaxItems", "1000", marker ? "Marker" : NULL, marker };
	char *body = aws_query_body(action, AWS_IAM_VERSION, kv, 2);
	int rc;

	if (!body) {
		aws__job_fail(j, "%s: out of memory", api);
		return DM_ENOMEM;
	}
	rc = aws__job_submit(j, api, "POST", "/", "", body,
			     "application/x-www-form-urlencoded; charset=utf-8", done, j);
	free(body);
	return rc;
}

/*
 * One page of an IAM List* call answered: map it (map returns <0, DM_EPARSE for
 * a response without its <Action>Result element) and ask for the next page.
 */
static void iam_list_page(aws_job *j, const char *action, const char *api,
			  int (*map)(aws_job *j, xmlDocPtr doc), aws_done_fn done, int rc,
			  const aws_response *resp)
{
	xmlDocPtr doc = NULL;
	char *marker = NULL;

	j->pending--;
	if (j->failed)
		return;
	if (aws__job_check(j, api, rc, resp) < 0 || aws__job_xml(j, api, resp, &doc) < 0)
		return;
	rc = map(j, doc);
	if (rc < 0) {
		if (rc == DM_EPARSE)
			aws__job_fail(j, "%s: response without %sResult", api, action);
		else
			aws__job_fail(j, "%s: out of memory mapping the response", api);
		goto done;
	}
	if (aws_iam_next_marker(doc, &marker) < 0) {
		aws__job_fail(j, "%s: truncated page without a Marker", api);
		goto done;
	}
	if (marker)
		iam_list_submit(j, action, api, marker, done);
done:
	free(marker);
	xmlFreeDoc(doc);
}

static int lr_map(aws_job *j, xmlDocPtr doc)
{
	return aws_iam_map_list_roles(&j->aux, doc) < 0 ? DM_ENOMEM : 0;
}

static void lr_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	(void)cl;
	iam_list_page(ud, "ListRoles", API_LR, lr_map, lr_done, rc, resp);
}

/* ListPolicyTags: policy tags are in no list call; fetched per customer policy when the state holds them. */
#define API_LPT "iam:ListPolicyTags"

struct ptag_ud {
	aws_job *j;
	char *arn;
	json_t *tags; /* accumulated over pages */
};

static void ptag_done(aws_client *cl, int rc, const aws_response *resp, void *ud);

static int ptag_submit(aws_job *j, struct ptag_ud *u, const char *marker)
{
	const char *kv[6] = { "PolicyArn", u->arn, "MaxItems", "1000", marker ? "Marker" : NULL, marker };
	char *body = aws_query_body("ListPolicyTags", AWS_IAM_VERSION, kv, 3);
	int rc = DM_ENOMEM;

	if (body)
		rc = aws__job_submit(j, API_LPT, "POST", "/", "", body,
				     "application/x-www-form-urlencoded; charset=utf-8", ptag_done, u);
	else
		aws__job_fail(j, "%s: out of memory", API_LPT);
	free(body);
	return rc;
}

static void ptag_free(struct ptag_ud *u)
{
	free(u->arn);
	json_decref(u->tags);
	free(u);
}

static void ptag_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	struct ptag_ud *u = ud;
	aws_job *j = u->j;
	xmlDocPtr doc = NULL;
	char *marker = NULL;
	json_t *page = NULL;
	aws_res *p;

	(void)cl;
	j->pending--;
	if (j->failed)
		goto done;
	if (rc == 0 && resp && resp->error_code && strcmp(resp->error_code, "NoSuchEntity") == 0)
		goto done; /* deleted since the list call: its tags do not matter */
	if (aws__job_check(j, API_LPT, rc, resp) < 0 || aws__job_xml(j, API_LPT, resp, &doc) < 0)
		goto done;
	page = aws__x_tags(aws_xml_child(xmlDocGetRootElement(doc), "ListPolicyTagsResult"), "Tags", "Key",
			   "Value");
	if (!page || json_object_update(u->tags, page) < 0 || aws_iam_next_marker(doc, &marker) < 0) {
		aws__job_fail(j, "%s: bad or truncated response for %s", API_LPT, u->arn);
		goto done;
	}
	if (marker) {
		if (ptag_submit(j, u, marker) == 0)
			u = NULL;
		goto done;
	}
	p = aws_reslist_find(&j->res, "aws_iam_policy", u->arn);
	if (p && aws__j_tags(p->attrs, json_incref(u->tags)) < 0)
		aws__job_fail(j, "%s: out of memory", API_LPT);
done:
	json_decref(page);
	free(marker);
	if (doc)
		xmlFreeDoc(doc);
	if (u)
		ptag_free(u);
}

/*
 * Policy tags were not fetched (the state holds none): leave them out of the
 * live attributes, so that "unknown" never reads as "no tags".
 */
static void drop_policy_tags(aws_job *j)
{
	for (size_t i = 0; i < j->res.n; i++) {
		if (strcmp(j->res.v[i].type, "aws_iam_policy") != 0)
			continue;
		json_object_del(j->res.v[i].attrs, "tags");
		json_object_del(j->res.v[i].attrs, "tags_all");
	}
}

static void submit_policy_tags(aws_job *j)
{
	for (size_t i = 0; i < j->res.n && !j->failed; i++) {
		struct ptag_ud *u;

		if (strcmp(j->res.v[i].type, "aws_iam_policy") != 0)
			continue;
		u = dm__calloc(1, sizeof(*u));
		if (u) {
			u->arn = dm__strdup(j->res.v[i].id);
			u->tags = json_object();
		}
		if (!u || !u->arn || !u->tags) {
			aws__job_fail(j, "%s: out of memory", API_LPT);
			if (u)
				ptag_free(u);
			return;
		}
		u->j = j;
		if (ptag_submit(j, u, NULL) < 0)
			ptag_free(u);
	}
}

void aws__iam_finish(aws_job *j)
{
	aws_iam_join_roles(&j->res, &j->aux);
}

static int gaad_submit(aws_job *j, const char *marker)
{
	const char *kv[12] = { "Filter.member.1", "Role", "Filter.member.2", "User", "Filter.member.3",
			       "Group", "Filter.member.4", "LocalManagedPolicy", "MaxItems", "1000",
			       marker ? "Marker" : NULL, marker };
	char *body = aws_query_body("GetAccountAuthorizationDetails", AWS_IAM_VERSION, kv, 6);
	int rc;

	if (!body) {
		aws__job_fail(j, "%s: out of memory", API_GAAD);
		return DM_ENOMEM;
	}
	rc = aws__job_submit(j, API_GAAD, "POST", "/", "", body,
			     "application/x-www-form-urlencoded; charset=utf-8", gaad_done, j);
	free(body);
	return rc;
}

static void gaad_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	aws_job *j = ud;
	xmlDocPtr doc = NULL;
	char *marker = NULL;

	(void)cl;
	j->pending--;
	if (j->failed)
		return;
	if (aws__job_check(j, API_GAAD, rc, resp) < 0 || aws__job_xml(j, API_GAAD, resp, &doc) < 0)
		return;
	if (aws_iam_map_details(&j->res, doc, &j->mc) < 0) {
		aws__job_fail(j, "%s: out of memory mapping the response", API_GAAD);
		goto done;
	}
	if (aws_iam_next_marker(doc, &marker) < 0) {
		aws__job_fail(j, "%s: truncated page without a Marker", API_GAAD);
		goto done;
	}
	if (marker)
		gaad_submit(j, marker);
	else if (j->want_policy_tags)
		submit_policy_tags(j);
	else
		drop_policy_tags(j);
done:
	free(marker);
	xmlFreeDoc(doc);
}

/* ListInstanceProfiles (posture): the profiles without a role, which GAAD never shows. */
#define API_LIP "iam:ListInstanceProfiles"

static int lip_map(aws_job *j, xmlDocPtr doc)
{
	return aws_iam_map_instance_profiles(&j->res, doc);
}

static void lip_done(aws_client *cl, int rc, const aws_response *resp, void *ud)
{
	(void)cl;
	iam_list_page(ud, "ListInstanceProfiles", API_LIP, lip_map, lip_done, rc, resp);
}

int aws_scan_iam_instance_profiles(aws_scan *s, const char *account)
{
	aws_job *j = aws__scan_find(s, account, "global", API_GAAD);

	if (!j)
		return 0;
	for (size_t i = 0; i < j->napis; i++) {
		if (strcmp(j->apis[i], API_LIP) == 0)
			return 0; /* already queued for this account */
	}
	if (j->napis >= AWS_JOB_MAX_APIS) {
		aws__job_fail(j, "%s: too many APIs in the IAM scope", API_LIP);
		return 0;
	}
	j->apis[j->napis++] = API_LIP;
	/* a failed submit fails the IAM scope */
	(void)iam_list_submit(j, "ListInstanceProfiles", API_LIP, NULL, lip_done);
	return 0;
}

int aws_scan_iam(aws_scan *s, const char *account, const char *partition_region,
		 const aws_creds *creds)
{
	const char *part = aws_partition_of(partition_region);
	const char *sign = strcmp(part, "aws-cn") == 0       ? "cn-north-1"
			   : strcmp(part, "aws-us-gov") == 0 ? "us-gov-west-1"
							     : "us-east-1";
	aws_job *j = aws__job_new(s, "iam", account, "global", sign, API_GAAD, t_iam,
				  sizeof(t_iam) / sizeof(t_iam[0]), creds);

	if (!j)
		return DM_ENOMEM;
	j->apis[j->napis++] = API_LR;
	j->apis[j->napis++] = API_LPT;
	j->want_policy_tags = s->opts.iam_policy_tags;
	if (gaad_submit(j, NULL) == 0)
		iam_list_submit(j, "ListRoles", API_LR, NULL, lr_done);
	return 0;
}
