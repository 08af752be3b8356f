/*
 * driftmap posture — IAM hygiene (IAM-01…15): policy documents in every JSON
 * shape (string or list, bare "*" principal, 12-digit account or ARN),
 * URL-decoded, with Resource scoping and Deny honoured in privilege
 * escalation.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "posture_internal.h"

#define ADMIN_ARN "arn:aws:iam::aws:policy/AdministratorAccess"

/* ---- documents ------------------------------------------------------------------- */


static json_t *parse_doc(const char *text)
{
	json_t *doc = dm__policy_parse(text);

	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static const char doc_unparsable = 0; /* doc_cache value of a text that is not a JSON object */

/*
 * The policy document of an attribute (object, or JSON text parsed once per
 * run: identical texts — the same trust policy on many roles — share one
 * parse). New reference, read-only; NULL when not a document.
 */
static json_t *doc_of(pst_run *run, const json_t *v)
{
	const char *text;
	json_t *doc;

	if (json_is_object(v))
		return json_incref((json_t *)v);
	if (!json_is_string(v))
		return NULL;
	text = json_string_value(v);
	doc = dm__strmap_get(run->doc_cache, text);
	if (doc)
		return doc == (const void *)&doc_unparsable ? NULL : json_incref(doc);
	doc = parse_doc(text);
	/* the key is the inventory's string, alive for the run; on failure just don't cache */
	if (dm__strmap_put(run->doc_cache, text, doc ? (void *)doc : (void *)&doc_unparsable) < 0)
		return doc;
	return doc ? json_incref(doc) : NULL;
}

void dm__pst_doc_cache_free(pst_run *run)
{
	size_t it = 0;
	void *v;

	while (dm__strmap_next(run->doc_cache, &it, NULL, &v)) {
		if (v != (const void *)&doc_unparsable)
			json_decref(v);
	}
	dm__strmap_free(run->doc_cache);
	run->doc_cache = NULL;
}

/* Statement as a list (object or array). */
static json_t *statements(const json_t *doc)
{
	json_t *s = json_object_get(doc, "Statement");

	if (json_is_object(s)) {
		json_t *a = json_array();
		json_array_append(a, s);
		return a;
	}
	return json_is_array(s) ? json_incref(s) : json_array();
}

/* Case-insensitive glob with * and ?. */
static int wild(const char *p, const char *s)
{
	const char *star = NULL, *ss = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			ss = s;
		} else if (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++ss;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Iterate a string-or-list value. */
#define STRS_FOREACH(v, i, s)                                                                         \
	for (i = 0; (json_is_string(v) ? i < 1 : i < json_array_size(v)) &&                             \
		    ((s = json_is_string(v) ? json_string_value(v)                                        \
					    : json_string_value(json_array_get(v, i))) || 1);              \
	     i++)                                                                                         \
		if (s)

static int is_allow(const json_t *st)
{
	return strcasecmp(dm__pst_str(st, "Effect"), "Allow") == 0;
}

static int list_has_match(const json_t *v, const char *action)
{
	size_t i;
	const char *s;

	STRS_FOREACH(v, i, s) {
		if (wild(s, action))
			return 1;
	}
	return 0;
}

/* Does the statement grant/deny ACTION (Action or NotAction)? */
static int stmt_action(const json_t *st, const char *action)
{
	const json_t *a = json_object_get(st, "Action"), *na = json_object_get(st, "NotAction");

	if (a)
		return list_has_match(a, action);
	if (na)
		return !list_has_match(na, action);
	return 0;
}

static int res_is_star(const char *r)
{
	return strcmp(r, "*") == 0 || strcmp(r, "*:*") == 0 || strcmp(r, "*/*") == 0;
}

static int stmt_resource_star(const json_t *st)
{
	const json_t *r = json_object_get(st, "Resource");
	size_t i;
	const char *s;

	if (!r && json_object_get(st, "NotResource"))
		return 1;
	STRS_FOREACH(r, i, s) {
		if (res_is_star(s))
			return 1;
	}
	return 0;
}

static int stmt_resource_has_wild(const json_t *st)
{
	const json_t *r = json_object_get(st, "Resource");
	size_t i;
	const char *s;

	if (!r && json_object_get(st, "NotResource"))
		return 1;
	STRS_FOREACH(r, i, s) {
		if (strchr(s, '*'))
			return 1;
	}
	return 0;
}

/* Resource covers other principals: some entry is not scoped to the caller itself. */
static int stmt_resource_other(const json_t *st)
{
	const json_t *r = json_object_get(st, "Resource");
	size_t i;
	const char *s;

	if (!r)
		return json_object_get(st, "NotResource") != NULL;
	STRS_FOREACH(r, i, s) {
		if (!strstr(s, "${aws:username}") && !strstr(s, "${aws:userid}") &&
		    !strstr(s, "${aws:PrincipalTag") && !strstr(s, "${aws:principaltag"))
			return 1;
	}
	return 0;
}

static int doc_denies_all(const json_t *stmts)
{
	size_t i;
	const json_t *st;

	json_array_foreach(stmts, i, st) {
		if (!is_allow(st) && !json_object_get(st, "Condition") && stmt_action(st, "*") &&
		    list_has_match(json_object_get(st, "Action"), "*") && stmt_resource_star(st)) {
			const json_t *a = json_object_get(st, "Action");
			size_t k;
			const char *s;
			STRS_FOREACH(a, k, s) {
				if (strcmp(s, "*") == 0 || strcmp(s, "*:*") == 0)
					return 1;
			}
		}
	}
	return 0;
}

/* IAM-01 test on one document: the admin statement or NULL. */
static const json_t *doc_admin(const json_t *stmts)
{
	size_t i, k;
	const json_t *st;
	const char *s;

	if (doc_denies_all(stmts))
		return NULL;
	json_array_foreach(stmts, i, st) {
		const json_t *a = json_object_get(st, "Action"), *na = json_object_get(st, "NotAction");
		if (!is_allow(st) || !stmt_resource_star(st))
			continue;
		STRS_FOREACH(a, k, s) {
			if (strcmp(s, "*") == 0 || strcmp(s, "*:*") == 0)
				return st;
		}
		/* Allow + NotAction on *: admin unless it excludes IAM (it still grants iam:* otherwise) */
		if (!a && na && !list_has_match(na, "iam:CreatePolicyVersion") &&
		    !list_has_match(na, "iam:AttachRolePolicy"))
			return st;
	}
	return NULL;
}

/* ---- trust conditions ----------------------------------------------------------------- */

static const char *const restrictive_keys[] = {
	"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn", "aws:PrincipalAccount",
	"aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:SourceIdentity", "aws:CalledVia*",
	"aws:PrincipalServiceName*", "aws:ResourceTag*", "aws:ViaAWSService", "iam:PassedToService",
	"kms:CallerAccount", "kms:ViaService"};

static int restrictive_op(const char *op)
{
	static const char *const ops[] = {"StringEquals", "StringLike", "ArnEquals", "ArnLike",
					  "StringEqualsIgnoreCase"};
	size_t i;

	if (strncasecmp(op, "ForAnyValue:", 12) == 0)
		op += 12;
	else if (strncasecmp(op, "ForAllValues:", 13) == 0)
		op += 13;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcasecmp(op, ops[i]) == 0)
			return 1;
	}
	return 0;
}

static int has_restrictive_condition(const json_t *st)
{
	const json_t *cond = json_object_get(st, "Condition"), *kv, *val;
	const char *op, *key;
	size_t i;

	json_object_foreach((json_t *)cond, op, kv) {
		if (!restrictive_op(op))
			continue;
		json_object_foreach((json_t *)kv, key, val) {
			for (i = 0; i < sizeof(restrictive_keys) / sizeof(restrictive_keys[0]); i++) {
				if (wild(restrictive_keys[i], key))
					return 1;
			}
		}
	}
	return 0;
}

/* Any condition key matching pattern (any operator, optional op filter); value non-empty. */
static const json_t *cond_value(const json_t *st, const char *const *ops, size_t nops, const char *key_pat)
{
	const json_t *cond = json_object_get(st, "Condition"), *kv, *val;
	const char *op, *key;
	size_t i;

	json_object_foreach((json_t *)cond, op, kv) {
		int ok = nops == 0;
		for (i = 0; i < nops; i++)
			ok |= strcasecmp(op, ops[i]) == 0;
		if (!ok)
			continue;
		json_object_foreach((json_t *)kv, key, val) {
			if (wild(key_pat, key))
				return val;
		}
	}
	return NULL;
}

static int value_nonempty(const json_t *v)
{
	size_t i;
	const char *s;

	STRS_FOREACH(v, i, s) {
		if (*s)
			return 1;
	}
	return 0;
}

static int value_true(const json_t *v)
{
	size_t i;
	const char *s;

	if (json_is_true(v))
		return 1;
	if (json_is_array(v)) {
		const json_t *x;
		json_array_foreach(v, i, x) {
			if (json_is_true(x))
				return 1;
		}
	}
	STRS_FOREACH(v, i, s) {
		if (strcasecmp(s, "true") == 0)
			return 1;
	}
	return 0;
}

static int is_assume_action(const json_t *st, const char *which)
{
	static const char *const acts[] = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity",
					   "sts:AssumeRoleWithSAML"};
	size_t i;

	if (which)
		return stmt_action(st, which);
	for (i = 0; i < 3; i++) {
		if (stmt_action(st, acts[i]))
			return 1;
	}
	return 0;
}

/* Account of an AWS principal ("123456789012", "arn:aws:iam::123456789012:root", ...). */
static int principal_account(const char *p, char out[13])
{
	const char *a = p;
	size_t i;

	if (strncmp(p, "arn:", 4) == 0) {
		int colons = 0;
		for (a = p; *a && colons < 4; a++)
			colons += *a == ':';
		if (colons < 4)
			return -1;
	}
	for (i = 0; i < 12; i++) {
		if (!isdigit((unsigned char)a[i]))
			return -1;
	}
	if (a[12] && a[12] != ':')
		return -1;
	memcpy(out, a, 12);
	out[12] = '\0';
	return 0;
}

static const json_t *principal_part(const json_t *st, const char *kind)
{
	const json_t *p = json_object_get(st, "Principal"), *v;
	const char *k;

	if (json_is_string(p))
		return strcmp(kind, "AWS") == 0 ? p : NULL; /* bare "*" */
	json_object_foreach((json_t *)p, k, v) {
		if (strcasecmp(k, kind) == 0)
			return v;
	}
	return NULL;
}

static int is_service_linked(const dm_resource *role)
{
	return strstr(dm__pst_str(role->attrs, "path"), "/aws-service-role/") != NULL ||
	       strstr(dm__pst_str(role->attrs, "arn"), ":role/aws-service-role/") != NULL;
}

static int is_sso_reserved(const dm_resource *role)
{
	return strstr(dm__pst_str(role->attrs, "path"), "/aws-reserved/sso.amazonaws.com/") != NULL ||
	       strstr(dm__pst_str(role->attrs, "arn"), ":role/aws-reserved/sso.amazonaws.com/") != NULL;
}

enum { TRUST_CROSS = 1, TRUST_COMPUTE = 2, TRUST_EC2 = 4 };

static unsigned trust_flags_stmts(const dm_resource *role, const json_t *stmts)
{
	const json_t *st;
	size_t i, k;
	unsigned f = 0;
	const char *s;

	json_array_foreach(stmts, i, st) {
		const json_t *aws = principal_part(st, "AWS"), *svc = principal_part(st, "Service");
		if (!is_allow(st))
			continue;
		STRS_FOREACH(aws, k, s) {
			char acct[13];
			if (strcmp(s, "*") == 0 ||
			    (principal_account(s, acct) == 0 && role->account && strcmp(acct, role->account) != 0))
				f |= TRUST_CROSS;
		}
		STRS_FOREACH(svc, k, s) {
			if (strcmp(s, "ec2.amazonaws.com") == 0)
				f |= TRUST_EC2 | TRUST_COMPUTE;
			if (strcmp(s, "lambda.amazonaws.com") == 0)
				f |= TRUST_COMPUTE;
		}
	}
	return f;
}

static unsigned trust_flags(pst_run *run, const dm_resource *role)
{
	json_t *doc = doc_of(run, json_object_get(role->attrs, "assume_role_policy")), *stmts;
	unsigned f;

	if (!doc)
		return 0;
	stmts = statements(doc);
	f = trust_flags_stmts(role, stmts);
	json_decref(stmts);
	json_decref(doc);
	return f;
}

/* ---- principals and their documents ----------------------------------------------------- */

typedef struct pdoc {
	const char *ref;       /* "inline:NAME" or a policy ARN */
	json_t *doc;           /* owned */
	json_t *stmts;         /* owned */
	const dm_resource *policy; /* customer-managed policy resource or NULL */
	int inline_;
} pdoc;

typedef struct pdocs {
	pdoc *v;
	size_t n, cap;
	pst_strs unresolved;  /* AWS-managed policies without a document */
} pdocs;

static void pdocs_free(pdocs *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		json_decref(d->v[i].doc);
		json_decref(d->v[i].stmts);
	}
	free(d->v);
	dm__pst_strs_free(&d->unresolved);
	memset(d, 0, sizeof(*d));
}

static int pdocs_add(pdocs *d, const char *ref, json_t *doc, const dm_resource *pol, int inl)
{
	if (!doc)
		return 0;
	if (dm__grow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v)) < 0) {
		json_decref(doc);
		return DM_ENOMEM;
	}
	d->v[d->n].ref = ref;
	d->v[d->n].doc = doc;
	d->v[d->n].stmts = statements(doc);
	d->v[d->n].policy = pol;
	d->v[d->n].inline_ = inl;
	d->n++;
	return 0;
}

static int principal_docs(pst_run *run, const dm_resource *pr, pdocs *d)
{
	const json_t *inl = json_object_get(pr->attrs, "inline_policy"), *ip, *arns, *a;
	size_t i;
	int rc;

	json_array_foreach(inl, i, ip) {
		char ref[300];
		const char *r;
		snprintf(ref, sizeof(ref), "inline:%s", dm__pst_str(ip, "name"));
		r = dm__pst_intern(run, ref);
		if (!r || (rc = pdocs_add(d, r, doc_of(run, json_object_get(ip, "policy")), NULL, 1)) < 0)
			return DM_ENOMEM;
	}
	arns = json_object_get(pr->attrs, "managed_policy_arns");
	json_array_foreach(arns, i, a) {
		const char *arn = json_string_value(a);
		const dm_resource *pol;
		if (!arn)
			continue;
		pol = dm__pst_get(run, "aws_iam_policy", arn);
		if (pol) {
			if ((rc = pdocs_add(d, pol->id, doc_of(run, json_object_get(pol->attrs, "policy")), pol, 0)) < 0)
				return rc;
		} else if (strcmp(arn, ADMIN_ARN) == 0) {
			if ((rc = pdocs_add(d, ADMIN_ARN,
					    json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "Version", "2012-10-17", "Statement",
						      "Effect", "Allow", "Action", "*", "Resource", "*"),
					    NULL, 0)) < 0)
				return rc;
		} else if (strstr(arn, ":iam::aws:policy/")) {
			if (dm__pst_strs_add(&d->unresolved, arn) < 0)
				return DM_ENOMEM;
		}
	}
	return 0;
}

/*
 * IAM evaluates a user's own policies together with those of its groups: append
 * the documents of the user's groups (same account) to d for IAM-06, with refs
 * that name the group ("group:NAME/inline:X", "group:NAME/ARN"). *admin is set
 * when one of them grants full admin (IAM-01/02 report that on the group).
 */
static int user_group_docs(pst_run *run, const dm_resource *user, pdocs *d, int *admin)
{
	const pst_vec *groups = dm__pst_type(run, "aws_iam_group");
	const json_t *names = json_object_get(user->attrs, "groups"), *g;
	size_t i, k, m;
	int rc = 0;

	json_array_foreach(names, i, g) {
		const char *name = json_string_value(g);
		const dm_resource *grp = NULL;
		pdocs gd;

		for (k = 0; name && k < groups->n && !grp; k++) {
			const dm_resource *c = groups->v[k];

			if (strcmp(c->id, name) == 0 &&
			    strcmp(c->account ? c->account : "", user->account ? user->account : "") == 0)
				grp = c;
		}
		if (!grp)
			continue;
		memset(&gd, 0, sizeof(gd));
		rc = principal_docs(run, grp, &gd);
		for (m = 0; rc == 0 && m < gd.n; m++) {
			char ref[600];
			const char *r;

			snprintf(ref, sizeof(ref), "group:%s/%s", name, gd.v[m].ref);
			r = dm__pst_intern(run, ref);
			if (!r) {
				rc = DM_ENOMEM;
				break;
			}
			if (doc_admin(gd.v[m].stmts))
				*admin = 1;
			rc = pdocs_add(d, r, json_incref(gd.v[m].doc), NULL, gd.v[m].inline_);
		}
		for (m = 0; rc == 0 && m < gd.unresolved.n; m++) {
			if (dm__pst_strs_add(&d->unresolved, gd.unresolved.v[m]) < 0)
				rc = DM_ENOMEM;
		}
		pdocs_free(&gd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- the principal loop ------------------------------------------------------------------- */

static const struct esc {
	const char *name;
	const char *actions[4];
} escalations[] = {
	{"CreatePolicyVersion", {"iam:CreatePolicyVersion"}},
	{"SetDefaultPolicyVersion", {"iam:SetDefaultPolicyVersion"}},
	{"AttachUserPolicy", {"iam:AttachUserPolicy"}},
	{"AttachRolePolicy", {"iam:AttachRolePolicy"}},
	{"AttachGroupPolicy", {"iam:AttachGroupPolicy"}},
	{"PutUserPolicy", {"iam:PutUserPolicy"}},
	{"PutRolePolicy", {"iam:PutRolePolicy"}},
	{"PutGroupPolicy", {"iam:PutGroupPolicy"}},
	{"AddUserToGroup", {"iam:AddUserToGroup"}},
	{"UpdateAssumeRolePolicy", {"iam:UpdateAssumeRolePolicy"}},
	{"PassRole+RunInstances", {"iam:PassRole", "ec2:RunInstances"}},
	{"PassRole+Lambda", {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}},
	{"CreateAccessKey", {"iam:CreateAccessKey"}},
	{"CreateLoginProfile", {"iam:CreateLoginProfile"}},
	{"UpdateLoginProfile", {"iam:UpdateLoginProfile"}},
};

/* Effective grant of ACTION over the principal's documents: the granting statement or NULL. */
static const json_t *effective(const pdocs *d, const char *action, const char **ref)
{
	const json_t *grant = NULL, *st;
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		json_array_foreach(d->v[i].stmts, j, st) {
			if (is_allow(st) || !stmt_action(st, action))
				continue;
			/* an unconditional Deny on every resource removes the action */
			if (!json_object_get(st, "Condition") && stmt_resource_star(st))
				return NULL;
		}
	}
	for (i = 0; i < d->n && !grant; i++) {
		json_array_foreach(d->v[i].stmts, j, st) {
			if (is_allow(st) && stmt_action(st, action) && stmt_resource_other(st)) {
				grant = st;
				*ref = d->v[i].ref;
				break;
			}
		}
	}
	return grant;
}

static const char *principal_kind(const dm_resource *r)
{
	return strcmp(r->type, "aws_iam_role") == 0 ? "role" : strcmp(r->type, "aws_iam_user") == 0 ? "user" : "group";
}

static int mark_priv(pst_run *run, const dm_resource *r, const char *why)
{
	char key[512];
	const char *k;

	if (strcmp(r->type, "aws_iam_role") != 0)
		return 0;
	snprintf(key, sizeof(key), "%s\x1f%s", r->account ? r->account : "", r->id);
	k = dm__pst_intern(run, key);
	return k && dm__strmap_put(run->role_priv, k, (void *)why) == 0 ? 0 : DM_ENOMEM;
}

static int stmt_findings(pst_run *run, const dm_resource *owner, const pdoc *pd, int customer_or_inline)
{
	const json_t *st;
	size_t j, k;
	int rc;

	json_array_foreach(pd->stmts, j, st) {
		char sub[400];
		const char *s;
		const json_t *act = json_object_get(st, "Action");
		if (!is_allow(st))
			continue;
		/* IAM-03: svc:* on Resource * in a customer-managed policy */
		if (pd->policy && dm__pst_rule_on(run, "IAM-03") && stmt_resource_star(st)) {
			STRS_FOREACH(act, k, s) {
				const char *colon = strchr(s, ':');
				if (!colon || strcmp(colon, ":*") != 0 || strcmp(s, "*:*") == 0)
					continue;
				snprintf(sub, sizeof(sub), "%s:%zu:%s", pd->ref, j, s);
				rc = dm__pst_add(run, "IAM-03", DM_SEV_MEDIUM, owner, sub,
						 json_pack("{s:o,s:o,s:O}", "policy", dm__pst_jstr(run, pd->ref),
							   "statement_index", dm__pst_jint(run, (long long)j),
							   "statement", st),
						 NULL, 0, "%s allows %s on every resource", pd->ref, s);
				if (rc < 0)
					return rc;
			}
		}
		/* IAM-04: Allow with NotAction / NotResource */
		if (customer_or_inline && dm__pst_rule_on(run, "IAM-04") &&
		    (json_object_get(st, "NotAction") || json_object_get(st, "NotResource"))) {
			snprintf(sub, sizeof(sub), "%s:%zu", pd->ref, j);
			rc = dm__pst_add(run, "IAM-04", DM_SEV_MEDIUM, owner, sub,
					 json_pack("{s:o,s:o,s:O}", "policy", dm__pst_jstr(run, pd->ref),
						   "statement_index", dm__pst_jint(run, (long long)j),
						   "statement", st),
					 NULL, 0, "%s has an Allow statement with %s", pd->ref,
					 json_object_get(st, "NotAction") ? "NotAction" : "NotResource");
			if (rc < 0)
				return rc;
		}
		/* IAM-05: role assumption/passing on any resource without a restrictive condition */
		if (customer_or_inline && dm__pst_rule_on(run, "IAM-05") && stmt_resource_has_wild(st) &&
		    !has_restrictive_condition(st) &&
		    (stmt_action(st, "sts:AssumeRole") || stmt_action(st, "iam:PassRole"))) {
			snprintf(sub, sizeof(sub), "%s:%zu", pd->ref, j);
			rc = dm__pst_add(run, "IAM-05", DM_SEV_HIGH, owner, sub,
					 json_pack("{s:o,s:o,s:O}", "policy", dm__pst_jstr(run, pd->ref),
						   "statement_index", dm__pst_jint(run, (long long)j),
						   "statement", st),
					 NULL, 0, "%s allows %s on a wildcard resource", pd->ref,
					 stmt_action(st, "iam:PassRole") ? "iam:PassRole" : "sts:AssumeRole");
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int principal_rules(pst_run *run, const dm_resource *pr, dm_strmap *admin_policies, unsigned tf)
{
	pdocs d;
	size_t i, e, k;
	int rc = 0, is_admin = 0;
	const json_t *arns = json_object_get(pr->attrs, "managed_policy_arns"), *a;

	memset(&d, 0, sizeof(d));
	if ((rc = principal_docs(run, pr, &d)) < 0)
		goto done;
	for (i = 0; i < d.n; i++) {
		pdoc *pd = &d.v[i];
		const json_t *adm = doc_admin(pd->stmts);
		if (adm) {
			is_admin = 1;
			if ((rc = mark_priv(run, pr, "full admin policy")) < 0)
				goto done;
		}
		if (pd->inline_) {
			if (adm && dm__pst_rule_on(run, "IAM-01")) {
				dm_severity sev = (tf & (TRUST_CROSS | TRUST_COMPUTE)) ? DM_SEV_CRITICAL : DM_SEV_HIGH;
				rc = dm__pst_add(run, "IAM-01", sev, pr, pd->ref,
						 json_pack("{s:s,s:O,s:b,s:b}", "policy", pd->ref, "statement", adm,
							   "trusted_cross_account", (tf & TRUST_CROSS) != 0,
							   "trusted_by_compute", (tf & TRUST_COMPUTE) != 0),
						 NULL, 0, "%s %s: inline policy %s grants full admin", principal_kind(pr),
						 pr->id, pd->ref + 7);
				if (rc < 0)
					goto done;
			}
			if ((rc = stmt_findings(run, pr, pd, 1)) < 0)
				goto done;
		} else if (pd->policy && adm && (tf & (TRUST_CROSS | TRUST_COMPUTE))) {
			/* upgrade the managed-policy finding: attached to a cross-account/compute role */
			if (dm__strmap_put(admin_policies, pd->policy->id, (void *)"critical") < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
		}
	}
	/* IAM-02: AWS-managed admin policy attached */
	json_array_foreach(arns, i, a) {
		const char *arn = json_string_value(a);
		const dm_resource *pol;
		int admin = 0;
		if (!arn || !strstr(arn, ":iam::aws:policy/"))
			continue;
		if (strcmp(arn, ADMIN_ARN) == 0) {
			admin = 1;
		} else {
			pol = dm__pst_get(run, "aws_iam_policy", arn);
			if (pol) {
				json_t *doc = doc_of(run, json_object_get(pol->attrs, "policy")), *st = statements(doc);
				admin = doc_admin(st) != NULL;
				json_decref(st);
				json_decref(doc);
			}
		}
		if (!admin || !dm__pst_rule_on(run, "IAM-02"))
			continue;
		{
			int sso = strcmp(pr->type, "aws_iam_role") == 0 && is_sso_reserved(pr);
			rc = dm__pst_add(run, "IAM-02", sso ? DM_SEV_INFO : DM_SEV_HIGH, pr, arn,
					 json_pack("{s:o,s:o,s:b}", "principal", dm__pst_jstr(run, pr->id), "policy_arn",
						   dm__pst_jstr(run, arn),
						   "sso_reserved_role", sso),
					 NULL, 0, "%s %s has %s attached%s", principal_kind(pr), pr->id, arn,
					 sso ? " (reserved SSO role)" : "");
			if (rc < 0)
				goto done;
		}
	}
	/* IAM-06: escalation combinations over the union of the principal's documents (a
	 * user's include its groups') */
	if (!is_admin && strcmp(pr->type, "aws_iam_user") == 0 && dm__pst_rule_on(run, "IAM-06") &&
	    (rc = user_group_docs(run, pr, &d, &is_admin)) < 0)
		goto done;
	if (!is_admin && dm__pst_rule_on(run, "IAM-06")) {
		for (e = 0; e < sizeof(escalations) / sizeof(escalations[0]); e++) {
			const struct esc *x = &escalations[e];
			json_t *grants = json_array();
			int all = 1;
			for (k = 0; k < 4 && x->actions[k]; k++) {
				const char *ref = NULL;
				const json_t *g = effective(&d, x->actions[k], &ref);
				if (!g) {
					all = 0;
					break;
				}
				json_array_append_new(grants, json_pack("{s:s,s:s,s:O}", "action", x->actions[k],
									"policy", ref, "statement", g));
			}
			if (!all) {
				json_decref(grants);
				continue;
			}
			if ((rc = mark_priv(run, pr, "privilege escalation")) < 0) {
				json_decref(grants);
				goto done;
			}
			{
				json_t *ev = json_pack("{s:s,s:s,s:o}", "principal", pr->id, "combination", x->name,
						       "grants", grants);
				if (d.unresolved.n) {
					json_t *u = json_array();
					for (k = 0; k < d.unresolved.n; k++)
						json_array_append_new(u, json_string(d.unresolved.v[k]));
					json_object_set_new(ev, "aws_managed_policies_not_analysed", u);
				}
				rc = dm__pst_add(run, "IAM-06", DM_SEV_HIGH, pr, x->name, ev, NULL, 0,
						 "%s %s can escalate privileges (%s)", principal_kind(pr), pr->id, x->name);
				if (rc < 0)
					goto done;
			}
		}
	}
	/* IAM-12: inline policies, direct user grants */
	if (dm__pst_rule_on(run, "IAM-12")) {
		size_t ninl = json_array_size(json_object_get(pr->attrs, "inline_policy"));
		if (ninl) {
			rc = dm__pst_add(run, "IAM-12", DM_SEV_LOW, pr, "inline",
					 json_pack("{s:o,s:o}", "principal", dm__pst_jstr(run, pr->id), "inline_policies",
						   dm__pst_jint(run, (long long)ninl)),
					 NULL, 0,
					 "%s %s has %zu inline polic%s", principal_kind(pr), pr->id, ninl,
					 ninl == 1 ? "y" : "ies");
			if (rc < 0)
				goto done;
		}
		if (strcmp(pr->type, "aws_iam_user") == 0 && json_array_size(arns)) {
			rc = dm__pst_add(run, "IAM-12", DM_SEV_LOW, pr, "direct-managed",
					 json_pack("{s:s,s:O}", "user", pr->id, "managed_policy_arns", arns), NULL, 0,
					 "user %s has managed policies attached directly", pr->id);
			if (rc < 0)
				goto done;
		}
	}
done:
	pdocs_free(&d);
	return rc;
}

/* ---- trust rules (IAM-07…10) -------------------------------------------------------------- */

static int trust_rules(pst_run *run, const dm_resource *role, const json_t *stmts)
{
	const json_t *st;
	const dm_posture_config *c = run->cfg;
	size_t i, k;
	int rc = 0;
	const char *s;

	json_array_foreach(stmts, i, st) {
		const json_t *aws = principal_part(st, "AWS"), *svc = principal_part(st, "Service");
		const json_t *fed = principal_part(st, "Federated");
		char sub[300];
		if (!is_allow(st))
			continue;
		/* IAM-07 */
		if (dm__pst_rule_on(run, "IAM-07") && is_assume_action(st, NULL) && !has_restrictive_condition(st)) {
			int any = 0;
			STRS_FOREACH(aws, k, s) {
				any |= strcmp(s, "*") == 0;
			}
			if (any) {
				snprintf(sub, sizeof(sub), "stmt:%zu", i);
				if ((rc = dm__pst_add(run, "IAM-07", DM_SEV_CRITICAL, role, sub,
						      json_pack("{s:s,s:i,s:O}", "role", role->id, "statement_index", (int)i,
								"statement", st),
						      NULL, 0, "role %s can be assumed by any principal", role->id)) < 0)
					goto done;
			}
		}
		/* IAM-08 */
		if (dm__pst_rule_on(run, "IAM-08") && is_assume_action(st, "sts:AssumeRole")) {
			static const char *const sops[] = {"StringEquals", "StringLike"};
			static const char *const bops[] = {"Bool", "BoolIfExists"};
			const json_t *ext = cond_value(st, sops, 2, "sts:ExternalId");
			const json_t *mfa = cond_value(st, bops, 2, "aws:MultiFactorAuthPresent");
			int guarded = (ext && value_nonempty(ext)) || (mfa && value_true(mfa));
			STRS_FOREACH(aws, k, s) {
				char acct[13];
				int trusted;
				if (principal_account(s, acct) < 0 || (role->account && strcmp(acct, role->account) == 0))
					continue;
				trusted = dm__pst_strs_has(&c->trusted_accounts, acct);
				if (trusted && guarded)
					continue;
				if (!guarded && !trusted) {
					snprintf(sub, sizeof(sub), "no-external-id:%s", acct);
					rc = dm__pst_add(run, "IAM-08", DM_SEV_HIGH, role, sub,
							 json_pack("{s:o,s:o,s:o,s:O}", "role", dm__pst_jstr(run, role->id),
								   "principal", dm__pst_jstr(run, s), "account",
								   dm__pst_jstr(run, acct), "statement", st),
							 NULL, 0, "role %s trusts account %s without ExternalId or MFA",
							 role->id, acct);
				} else if (!trusted && c->trusted_accounts.n) {
					snprintf(sub, sizeof(sub), "untrusted:%s", acct);
					rc = dm__pst_add(run, "IAM-08", DM_SEV_MEDIUM, role, sub,
							 json_pack("{s:o,s:o,s:o,s:O}", "role", dm__pst_jstr(run, role->id),
								   "principal", dm__pst_jstr(run, s), "account",
								   dm__pst_jstr(run, acct), "statement", st),
							 NULL, 0, "role %s trusts account %s, not in trusted_account_ids",
							 role->id, acct);
				}
				if (rc < 0)
					goto done;
			}
		}
		/* IAM-09 */
		if (dm__pst_rule_on(run, "IAM-09") && is_assume_action(st, "sts:AssumeRoleWithWebIdentity")) {
			STRS_FOREACH(fed, k, s) {
				const char *host = strstr(s, ":oidc-provider/");
				char pat[300];
				const json_t *sv;
				int restricted = 0;
				size_t m;
				const char *x;
				if (!host)
					continue;
				host += strlen(":oidc-provider/");
				snprintf(pat, sizeof(pat), "%s:sub", host);
				sv = cond_value(st, NULL, 0, pat);
				STRS_FOREACH(sv, m, x) {
					if (*x && strcmp(x, "*") != 0 && strcmp(x, "repo:*") != 0)
						restricted = 1;
				}
				if (restricted)
					continue;
				snprintf(sub, sizeof(sub), "%s", host);
				rc = dm__pst_add(run, "IAM-09", DM_SEV_CRITICAL, role, sub,
						 json_pack("{s:s,s:s,s:O?,s:O}", "role", role->id, "provider", s,
							   "sub_condition", sv, "statement", st),
						 NULL, 0, "role %s trusts OIDC provider %s without a subject restriction",
						 role->id, host);
				if (rc < 0)
					goto done;
			}
		}
		/* IAM-10 */
		if (dm__pst_rule_on(run, "IAM-10")) {
			STRS_FOREACH(svc, k, s) {
				if (strcmp(s, "ec2.amazonaws.com") == 0 || cond_value(st, NULL, 0, "aws:SourceAccount") ||
				    cond_value(st, NULL, 0, "aws:SourceArn"))
					continue;
				snprintf(sub, sizeof(sub), "%s", s);
				rc = dm__pst_add(run, "IAM-10", DM_SEV_LOW, role, sub,
						 json_pack("{s:s,s:s,s:O}", "role", role->id, "service", s, "statement", st),
						 NULL, 0, "role %s trusts %s without aws:SourceAccount/aws:SourceArn",
						 role->id, s);
				if (rc < 0)
					goto done;
			}
		}
	}
done:
	return rc;
}

/* ---- IAM-11 stale roles --------------------------------------------------------------------- */

static int stale_role(pst_run *run, const dm_resource *role)
{
	const json_t *lu = dm__pst_block(role->attrs, "role_last_used");
	long long created = dm__pst_time(json_object_get(role->attrs, "create_date"));
	long long used = lu ? dm__pst_time(json_object_get(lu, "last_used_date")) : -1;
	long long limit = run->now - run->cfg->stale_role_days * 86400LL, ref;
	char key[512], scope[256];
	int priv;

	if (!json_object_get(role->attrs, "create_date") && !lu) {
		snprintf(scope, sizeof(scope), "aws/%s/global", role->account ? role->account : "*");
		return dm__pst_not_eval(run, "IAM-11", scope,
					"aws_iam_role.create_date / role_last_used not collected");
	}
	ref = used > 0 ? used : created;
	if (ref < 0 || ref >= limit)
		return 0;
	snprintf(key, sizeof(key), "%s\x1f%s", role->account ? role->account : "", role->id);
	priv = dm__strmap_get(run->role_priv, key) != NULL || (trust_flags(run, role) & TRUST_CROSS);
	return dm__pst_add(run, "IAM-11", priv ? DM_SEV_MEDIUM : DM_SEV_LOW, role, "",
			   json_pack("{s:o,s:O?,s:O?,s:o,s:b}", "role", dm__pst_jstr(run, role->id), "create_date",
				     json_object_get(role->attrs, "create_date"), "last_used_date",
				     lu ? json_object_get(lu, "last_used_date") : NULL, "days_unused",
				     dm__pst_jint(run, (int)((run->now - ref) / 86400)), "privileged_or_cross_account", priv),
			   NULL, 0, "role %s unused for %lld days", role->id, (run->now - ref) / 86400);
}

/* ---- IAM-13, 14 ------------------------------------------------------------------------------- */

static int instance_rules(pst_run *run, const pst_vec *roles)
{
	const pst_vec *inst = dm__pst_type(run, "aws_instance"), *profs = dm__pst_type(run, "aws_iam_instance_profile");
	dm_strmap *used = NULL;
	size_t i;
	int rc = 0;
	char key[512];

	for (i = 0; i < profs->n; i++) {
		const dm_resource *p = profs->v[i];
		const char *role = dm__pst_str(p->attrs, "role");
		const char *k;
		if (!*role)
			role = json_string_value(json_array_get(json_object_get(p->attrs, "roles"), 0));
		if (!role || !*role) {
			if (dm__pst_rule_on(run, "IAM-13") &&
			    (rc = dm__pst_add(run, "IAM-13", DM_SEV_LOW, p, "profile-without-role",
					      json_pack("{s:s}", "instance_profile", p->id), NULL, 0,
					      "instance profile %s has no role", p->id)) < 0)
				return rc;
			continue;
		}
		snprintf(key, sizeof(key), "%s\x1f%s", p->account ? p->account : "", p->id);
		k = dm__pst_intern(run, key);
		if (!k || dm__strmap_put(run->profile_role, k, (void *)dm__pst_intern(run, role)) < 0)
			return DM_ENOMEM;
	}
	for (i = 0; i < dm_inventory_scope_count(run->inv); i++) {
		const dm_scope *sc = dm_inventory_scope_at(run->inv, i);
		if (strcmp(sc->api, "ec2:DescribeInstances") != 0 || sc->complete)
			continue;
		dm__pst_need(run, "IAM-13", "aws_instance", sc->account, sc->region);
		dm__pst_need(run, "IAM-14", "aws_instance", sc->account, sc->region);
	}
	if (!inst->n) {
		if (roles->n) {
			const dm_resource *r = roles->v[0];
			dm__pst_need(run, "IAM-13", "aws_instance", r->account, NULL);
			dm__pst_need(run, "IAM-14", "aws_instance", r->account, NULL);
		}
		return 0;
	}
	if (dm__strmap_new(&used, 64) < 0)
		return DM_ENOMEM;
	for (i = 0; i < inst->n; i++) {
		const dm_resource *in = inst->v[i];
		const char *state = dm__pst_str(in->attrs, "instance_state");
		const char *prof = dm__pst_str(in->attrs, "iam_instance_profile");
		const char *role = NULL, *pub = dm__pst_str(in->attrs, "public_ip");
		if (*state && strcmp(state, "running") != 0)
			continue;
		if (strstr(prof, ":instance-profile/")) /* ARN form */
			prof = strrchr(prof, '/') + 1;
		if (*prof) {
			snprintf(key, sizeof(key), "%s\x1f%s", in->account ? in->account : "", prof);
			role = dm__strmap_get(run->profile_role, key);
		}
		if (role) {
			char rk[512];
			const char *k;
			const char *why;
			snprintf(rk, sizeof(rk), "%s\x1f%s", in->account ? in->account : "", role);
			k = dm__pst_intern(run, rk);
			if (!k || dm__strmap_put(used, k, (void *)k) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
			why = dm__strmap_get(run->role_priv, rk);
			if (why && *pub && dm__pst_rule_on(run, "IAM-14") &&
			    (rc = dm__pst_add(run, "IAM-14", DM_SEV_CRITICAL, in, role,
					      json_pack("{s:s,s:s,s:s,s:s,s:s}", "instance", in->id, "public_ip", pub,
							"instance_profile", prof, "role", role, "role_privilege", why),
					      NULL, 0, "instance %s has public IP %s and privileged role %s (%s)", in->id,
					      pub, role, why)) < 0)
				goto done;
		} else if (!*prof && dm__pst_rule_on(run, "IAM-13")) {
			if ((rc = dm__pst_add(run, "IAM-13", DM_SEV_LOW, in, "instance-without-profile",
					      json_pack("{s:s}", "instance", in->id), NULL, 0,
					      "instance %s has no instance profile", in->id)) < 0)
				goto done;
		}
	}
	for (i = 0; dm__pst_rule_on(run, "IAM-13") && i < roles->n; i++) {
		const dm_resource *r = roles->v[i];
		if (is_service_linked(r) || !(trust_flags(run, r) & TRUST_EC2))
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", r->account ? r->account : "", r->id);
		if (dm__strmap_get(used, key))
			continue;
		if ((rc = dm__pst_add(run, "IAM-13", DM_SEV_LOW, r, "ec2-role-unused",
				      json_pack("{s:s}", "role", r->id), NULL, 0,
				      "role %s is trusted by EC2 but no running instance uses it", r->id)) < 0)
			goto done;
	}
done:
	dm__strmap_free(used);
	return rc;
}

/* ---- IAM-15 credential report --------------------------------------------------------------- */

static const dm_posture_compliance c15_rootkey[] = {
	{"cis-aws-3.0", "1.4"}, {"cis-aws-4.0", "1.4"}, {"cis-aws-5.0", "1.3"}, {"cis-aws-6.0", "2.3"}, {"aws-fsbp", "IAM.4"}};
static const dm_posture_compliance c15_rootmfa[] = {
	{"cis-aws-3.0", "1.5"}, {"cis-aws-4.0", "1.5"}, {"cis-aws-5.0", "1.4"}, {"cis-aws-6.0", "2.4"}};
static const dm_posture_compliance c15_mfa[] = {
	{"cis-aws-3.0", "1.10"}, {"cis-aws-4.0", "1.10"}, {"cis-aws-5.0", "1.9"}, {"cis-aws-6.0", "2.9"}, {"aws-fsbp", "IAM.5"}};
static const dm_posture_compliance c15_unused[] = {
	{"cis-aws-3.0", "1.12"}, {"cis-aws-4.0", "1.12"}, {"cis-aws-5.0", "1.11"}, {"cis-aws-6.0", "2.11"},
	{"aws-fsbp", "IAM.8"}, {"aws-fsbp", "IAM.22"}};
static const dm_posture_compliance c15_twokeys[] = {
	{"cis-aws-3.0", "1.13"}, {"cis-aws-4.0", "1.13"}, {"cis-aws-5.0", "1.12"}, {"cis-aws-6.0", "2.12"}};
static const dm_posture_compliance c15_rotate[] = {
	{"cis-aws-3.0", "1.14"}, {"cis-aws-4.0", "1.14"}, {"cis-aws-5.0", "1.13"}, {"cis-aws-6.0", "2.13"}, {"aws-fsbp", "IAM.3"}};
#define NC(a) a, sizeof(a) / sizeof((a)[0])

static int truthy(const json_t *row, const char *k)
{
	return dm__pst_bool(row, k);
}

static long long row_time(const json_t *row, const char *k)
{
	return dm__pst_time_str(dm__pst_str(row, k));
}

static int cred_row(pst_run *run, const dm_resource *rep, const json_t *row)
{
	const char *user = dm__pst_str(row, "user");
	long long unused = run->now - run->cfg->unused_credential_days * 86400LL;
	long long rotate = run->now - run->cfg->key_rotation_days * 86400LL;
	char sub[300];
	int rc = 0, k, active = 0;
	json_t *ev;

	if (strcmp(user, "<root_account>") == 0) {
		if (truthy(row, "access_key_1_active") || truthy(row, "access_key_2_active")) {
			ev = json_pack("{s:s,s:b,s:b}", "user", user, "access_key_1_active",
				       truthy(row, "access_key_1_active"), "access_key_2_active",
				       truthy(row, "access_key_2_active"));
			if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_CRITICAL, rep, "root:access-key", ev, NC(c15_rootkey),
					      "root account has an active access key")) < 0)
				return rc;
		}
		if (!truthy(row, "mfa_active")) {
			ev = json_pack("{s:s,s:b}", "user", user, "mfa_active", 0);
			if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_CRITICAL, rep, "root:no-mfa", ev, NC(c15_rootmfa),
					      "root account has no MFA")) < 0)
				return rc;
		}
		return 0;
	}
	if (truthy(row, "password_enabled") && !truthy(row, "mfa_active")) {
		snprintf(sub, sizeof(sub), "%s:no-mfa", user);
		if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_MEDIUM, rep, sub,
				      json_pack("{s:s,s:b,s:b}", "user", user, "password_enabled", 1, "mfa_active", 0),
				      NC(c15_mfa), "console user %s has no MFA", user)) < 0)
			return rc;
	}
	if (truthy(row, "password_enabled")) {
		long long last = row_time(row, "password_last_used");
		long long ref = last > 0 ? last : row_time(row, "user_creation_time");
		if (ref > 0 && ref < unused) {
			snprintf(sub, sizeof(sub), "%s:password-unused", user);
			if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_MEDIUM, rep, sub,
					      json_pack("{s:s,s:s,s:s}", "user", user, "password_last_used",
							dm__pst_str(row, "password_last_used"), "user_creation_time",
							dm__pst_str(row, "user_creation_time")),
					      NC(c15_unused), "user %s has not used the password for %lld days", user,
					      (run->now - ref) / 86400)) < 0)
				return rc;
		}
	}
	for (k = 1; k <= 2; k++) {
		char ka[32], kr[40], ku[40];
		long long rot, used;
		snprintf(ka, sizeof(ka), "access_key_%d_active", k);
		snprintf(kr, sizeof(kr), "access_key_%d_last_rotated", k);
		snprintf(ku, sizeof(ku), "access_key_%d_last_used_date", k);
		if (!truthy(row, ka))
			continue;
		active++;
		rot = row_time(row, kr);
		used = row_time(row, ku);
		if (rot > 0 && rot < rotate) {
			snprintf(sub, sizeof(sub), "%s:key%d-rotation", user, k);
			if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_MEDIUM, rep, sub,
					      json_pack("{s:s,s:i,s:s}", "user", user, "key", k, "last_rotated",
							dm__pst_str(row, kr)),
					      NC(c15_rotate), "user %s access key %d not rotated for %lld days", user, k,
					      (run->now - rot) / 86400)) < 0)
				return rc;
		}
		if ((used > 0 ? used : rot) > 0 && (used > 0 ? used : rot) < unused) {
			snprintf(sub, sizeof(sub), "%s:key%d-unused", user, k);
			if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_MEDIUM, rep, sub,
					      json_pack("{s:s,s:i,s:s}", "user", user, "key", k, "last_used_date",
							dm__pst_str(row, ku)),
					      NC(c15_unused), "user %s access key %d unused for 45+ days", user, k)) < 0)
				return rc;
		}
	}
	if (active > 1) {
		snprintf(sub, sizeof(sub), "%s:two-active-keys", user);
		if ((rc = dm__pst_add(run, "IAM-15", DM_SEV_MEDIUM, rep, sub, json_pack("{s:s,s:i}", "user", user,
										   "active_keys", active),
				      NC(c15_twokeys), "user %s has two active access keys", user)) < 0)
			return rc;
	}
	return 0;
}

/* ---- entry ------------------------------------------------------------------------------------ */

static int iam_accounts_need(pst_run *run)
{
	size_t i;

	for (i = 0; i < dm_inventory_scope_count(run->inv); i++) {
		const dm_scope *s = dm_inventory_scope_at(run->inv, i);
		if (strcmp(s->provider, "aws") != 0 || strncmp(s->api, "iam:", 4) != 0)
			continue;
		if (dm__pst_rule_on(run, "IAM-07"))
			dm__pst_need(run, "IAM-07", "aws_iam_role", s->account, "global");
		if (dm__pst_rule_on(run, "IAM-15"))
			dm__pst_need(run, "IAM-15", "aws_iam_credential_report", s->account, "global");
		if (dm__pst_rule_on(run, "IAM-12"))
			dm__pst_need(run, "IAM-12", "aws_iam_user", s->account, "global");
	}
	return 0;
}

int dm__pst_iam_rules(pst_run *run)
{
	const pst_vec *roles = dm__pst_type(run, "aws_iam_role"), *users = dm__pst_type(run, "aws_iam_user");
	const pst_vec *groups = dm__pst_type(run, "aws_iam_group"), *pols = dm__pst_type(run, "aws_iam_policy");
	const pst_vec *reps = dm__pst_type(run, "aws_iam_credential_report");
	dm_strmap *admin_policies = NULL, *attached = NULL;
	size_t i, j;
	int rc = 0;

	if (dm__strmap_new(&admin_policies, 64) < 0 || dm__strmap_new(&attached, pols->n + 1) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	iam_accounts_need(run);
	for (i = 0; i < roles->n + users->n + groups->n; i++) {
		const dm_resource *pr = i < roles->n ? roles->v[i] : i < roles->n + users->n ? users->v[i - roles->n]
										       : groups->v[i - roles->n - users->n];
		const json_t *arns = json_object_get(pr->attrs, "managed_policy_arns"), *a;
		json_array_foreach(arns, j, a) {
			if (json_is_string(a) && (rc = dm__strmap_put(attached, json_string_value(a), (void *)pr)) < 0)
				goto done;
		}
		if (strcmp(pr->type, "aws_iam_role") == 0 && is_service_linked(pr))
			continue; /* service-linked roles are AWS's: never reported */
		{
			int role = strcmp(pr->type, "aws_iam_role") == 0;
			json_t *tdoc = role ? doc_of(run, json_object_get(pr->attrs, "assume_role_policy")) : NULL;
			json_t *tst = tdoc ? statements(tdoc) : NULL;
			rc = principal_rules(run, pr, admin_policies, tst ? trust_flags_stmts(pr, tst) : 0);
			if (rc == 0 && tst)
				rc = trust_rules(run, pr, tst);
			json_decref(tst);
			json_decref(tdoc);
			if (rc < 0)
				goto done;
		}
	}
	/* customer-managed policies: IAM-01 (attached), IAM-03/04/05, IAM-13 (unattached) */
	for (i = 0; i < pols->n; i++) {
		const dm_resource *pol = pols->v[i];
		json_t *doc = doc_of(run, json_object_get(pol->attrs, "policy")), *stmts;
		const json_t *adm;
		long long cnt = dm__pst_int(pol->attrs, "attachment_count", -1);
		int is_attached;
		pdoc pd;
		if (strstr(pol->id, ":iam::aws:policy/")) {
			json_decref(doc);
			continue; /* AWS-managed: only through IAM-02 */
		}
		if (!doc) {
			char scope[256];
			snprintf(scope, sizeof(scope), "aws/%s/global", pol->account ? pol->account : "*");
			dm__pst_not_eval(run, "IAM-01", scope, "policy %s has no parsable document", pol->id);
			continue;
		}
		stmts = statements(doc);
		adm = doc_admin(stmts);
		is_attached = cnt > 0 || (cnt < 0 && dm__strmap_get(attached, pol->id));
		if (adm && is_attached && dm__pst_rule_on(run, "IAM-01")) {
			int crit = dm__strmap_get(admin_policies, pol->id) != NULL;
			rc = dm__pst_add(run, "IAM-01", crit ? DM_SEV_CRITICAL : DM_SEV_HIGH, pol, "",
					 json_pack("{s:s,s:O,s:b}", "policy", pol->id, "statement", adm,
						   "attached_to_cross_account_or_compute_role", crit),
					 NULL, 0, "policy %s grants full admin", pol->id);
		}
		memset(&pd, 0, sizeof(pd));
		pd.ref = pol->id;
		pd.stmts = stmts;
		pd.policy = pol;
		if (rc == 0)
			rc = stmt_findings(run, pol, &pd, 1);
		if (rc == 0 && cnt == 0 && dm__pst_rule_on(run, "IAM-13"))
			rc = dm__pst_add(run, "IAM-13", adm ? DM_SEV_MEDIUM : DM_SEV_LOW, pol, "unattached-policy",
					 json_pack("{s:s,s:i,s:b}", "policy", pol->id, "attachment_count", 0, "admin",
						   adm != NULL),
					 NULL, 0, "policy %s is attached to nothing", pol->id);
		json_decref(stmts);
		json_decref(doc);
		if (rc < 0)
			goto done;
	}
	for (i = 0; dm__pst_rule_on(run, "IAM-11") && i < roles->n; i++) {
		if (!is_service_linked(roles->v[i]) && (rc = stale_role(run, roles->v[i])) < 0)
			goto done;
	}
	if ((rc = instance_rules(run, roles)) < 0)
		goto done;
	for (i = 0; dm__pst_rule_on(run, "IAM-15") && i < reps->n; i++) {
		const json_t *rows = json_object_get(((const dm_resource *)reps->v[i])->attrs, "users"), *row;
		json_array_foreach(rows, j, row) {
			if ((rc = cred_row(run, reps->v[i], row)) < 0)
				goto done;
		}
	}
	if (!reps->n && roles->n && dm__pst_rule_on(run, "IAM-15")) {
		const dm_resource *r = roles->v[0];
		dm__pst_need(run, "IAM-15", "aws_iam_credential_report", r->account, "global");
	}
done:
	dm__strmap_free(admin_policies);
	dm__strmap_free(attached);
	if (rc < 0)
		dm__error(run->ctx, rc, "posture: out of memory evaluating IAM rules");
	return rc;
}
