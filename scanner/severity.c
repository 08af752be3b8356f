/*
 * driftmap — severity of drift findings, from one table (docs/severity.md).
 *
 * CHANGED: every change is matched against the table (first matching rule
 * wins, else medium); the finding takes the highest severity of its
 * changes, so a tag-only change is low and anything else next to it raises
 * it. UNMANAGED / MISSING: the first rule matching the kind and type (and
 * predicate) wins, else medium.
 */
#include <string.h>
#include "diff_internal.h"

#define K_UNM (1u << DM_FINDING_UNMANAGED)
#define K_MIS (1u << DM_FINDING_MISSING)
#define K_CHG (1u << DM_FINDING_CHANGED)
#define O_ADD (1u << DM_OP_ADD)
#define O_REM (1u << DM_OP_REMOVE)
#define O_REP (1u << DM_OP_REPLACE)

typedef int (*sev_pred)(const dm_finding *f, const dm_change *c);

struct sev_rule {
	unsigned kinds;
	const char *type;  /* glob over the type ("aws_iam_*"), NULL any */
	const char *path;  /* change path or its parent ("tags" matches "tags.Env"), NULL any */
	unsigned ops;      /* 0 any */
	sev_pred pred;     /* NULL: always */
	dm_severity sev;
};

/* ---- predicates --------------------------------------------------------- */

static int list_has(const json_t *v, const char *s)
{
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), s) == 0;
	for (i = 0; i < json_array_size(v); i++)
		if (list_has(json_array_get(v, i), s))
			return 1;
	return 0;
}

static int rule_open(const json_t *b)
{
	return list_has(json_object_get(b, "cidr_blocks"), "0.0.0.0/0") ||
	       list_has(json_object_get(b, "ipv6_cidr_blocks"), "::/0");
}

/* The live rule is open to the internet and the state one was not. */
static int opens_to_world(const dm_finding *f, const dm_change *c)
{
	(void)f;
	return c && json_is_object(c->live) && rule_open(c->live) &&
	       !(json_is_object(c->state) && rule_open(c->state));
}

static int live_is_admin_arn(const dm_finding *f, const dm_change *c)
{
	const char *s = c ? json_string_value(c->live) : NULL;
	size_t l;

	(void)f;
	if (!s)
		return 0;
	l = strlen(s);
	return l >= 27 && strcmp(s + l - 27, ":policy/AdministratorAccess") == 0;
}

static int live_policy_admin(const dm_finding *f, const dm_change *c)
{
	const json_t *v = c ? c->live : NULL;

	(void)f;
	if (json_is_object(v))
		v = json_object_get(v, "policy");
	return json_is_string(v) && dm__policy_is_admin(json_string_value(v));
}

static int live_true(const dm_finding *f, const dm_change *c)
{
	(void)f;
	return c && (json_is_true(c->live) ||
		     (json_is_string(c->live) && strcmp(json_string_value(c->live), "true") == 0));
}

static int live_has_world_cidr(const dm_finding *f, const dm_change *c)
{
	(void)f;
	return c && list_has(c->live, "0.0.0.0/0");
}

static int unmanaged_policy_admin(const dm_finding *f, const dm_change *c)
{
	const json_t *p = f->live_res ? dm_resource_attr(f->live_res, "policy") : NULL;

	(void)c;
	return json_is_string(p) && dm__policy_is_admin(json_string_value(p));
}

static int span_has(dm_jspan v, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= v.len; i++)
		if (v.p[i] == needle[0] && memcmp(v.p + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * A file-loaded SG whose ingress text has no "0.0.0.0/0" or "::/0" string
 * and no escape cannot have a rule open to the internet: decided without building
 * its rules (first scans of big accounts have tens of thousands of these).
 */
static int ingress_maybe_open(const dm_resource *r)
{
	dm_jspan raw, v;

	if (!dm__resource_raw(r, &raw))
		return 1;
	if (!dm__jspan_get(raw, "ingress", &v))
		return 0;
	return span_has(v, "\"0.0.0.0/0\"") || span_has(v, "\"::/0\"") || memchr(v.p, '\\', v.len) != NULL;
}

static int unmanaged_sg_open(const dm_finding *f, const dm_change *c)
{
	const json_t *in;
	size_t i;

	(void)c;
	if (!f->live_res || !ingress_maybe_open(f->live_res))
		return 0;
	in = dm_resource_attr(f->live_res, "ingress");
	for (i = 0; i < json_array_size(in); i++)
		if (rule_open(json_array_get(in, i)))
			return 1;
	return 0;
}

static int unmanaged_role_admin(const dm_finding *f, const dm_change *c)
{
	const json_t *a = f->live_res ? dm_resource_attr(f->live_res, "managed_policy_arns") : NULL;
	const json_t *ip = f->live_res ? dm_resource_attr(f->live_res, "inline_policy") : NULL;
	size_t i;
	dm_change fake;

	(void)c;
	for (i = 0; i < json_array_size(a); i++) {
		fake.live = json_array_get(a, i);
		if (live_is_admin_arn(f, &fake))
			return 1;
	}
	for (i = 0; i < json_array_size(ip); i++) {
		fake.live = json_array_get(ip, i);
		if (live_policy_admin(f, &fake))
			return 1;
	}
	return 0;
}

/* ---- the table ---------------------------------------------------------------- */

static const struct sev_rule rules[] = {
	/* network exposure */
	{ K_CHG, "aws_*security_group", "ingress", O_ADD | O_REP, opens_to_world, DM_SEV_HIGH },
	{ K_CHG, "aws_eks_cluster", "vpc_config.endpoint_public_access", 0, live_true, DM_SEV_HIGH },
	{ K_CHG, "aws_eks_cluster", "vpc_config.public_access_cidrs", 0, live_has_world_cidr, DM_SEV_HIGH },
	{ K_UNM, "aws_security_group", NULL, 0, unmanaged_sg_open, DM_SEV_HIGH },
	/* IAM privilege */
	{ K_CHG, "aws_iam_role", "assume_role_policy", 0, NULL, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_role", "managed_policy_arns", O_ADD, live_is_admin_arn, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_role", "inline_policy", O_ADD | O_REP, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_user", "managed_policy_arns", O_ADD, live_is_admin_arn, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_user", "inline_policy", O_ADD | O_REP, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_group", "managed_policy_arns", O_ADD, live_is_admin_arn, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_group", "inline_policy", O_ADD | O_REP, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_user_policy", "policy", 0, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_group_policy", "policy", 0, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_policy", "policy", 0, live_policy_admin, DM_SEV_HIGH },
	{ K_CHG, "aws_iam_role_policy", "policy", 0, live_policy_admin, DM_SEV_HIGH },
	{ K_UNM, "aws_iam_policy", NULL, 0, unmanaged_policy_admin, DM_SEV_HIGH },
	{ K_UNM, "aws_iam_role", NULL, 0, unmanaged_role_admin, DM_SEV_HIGH },
	{ K_UNM, "aws_iam_user", NULL, 0, unmanaged_role_admin, DM_SEV_HIGH },
	{ K_UNM, "aws_iam_group", NULL, 0, unmanaged_role_admin, DM_SEV_HIGH },
	{ K_UNM | K_MIS, "aws_iam_*", NULL, 0, NULL, DM_SEV_MEDIUM },
	/* by design or cosmetic */
	{ K_CHG, NULL, "tags", 0, NULL, DM_SEV_LOW },
	{ K_CHG, "aws_eks_node_group", "scaling_config", 0, NULL, DM_SEV_LOW },
	{ K_UNM, "aws_eip", NULL, 0, NULL, DM_SEV_LOW },
	/* network structure: the default (medium) covers the rest */
};

static int path_matches(const char *rule, const char *path)
{
	size_t l = strlen(rule);

	return strncmp(path, rule, l) == 0 && (path[l] == '\0' || path[l] == '.');
}

static int rule_matches(const struct sev_rule *r, const dm_finding *f, const dm_change *c)
{
	if (!(r->kinds & (1u << f->kind)))
		return 0;
	if (r->type && !dm__glob_match(r->type, f->type ? f->type : ""))
		return 0;
	if (r->path && (!c || !path_matches(r->path, c->path)))
		return 0;
	if (r->ops && (!c || !(r->ops & (1u << c->op))))
		return 0;
	return r->pred ? r->pred(f, c) : 1;
}

static dm_severity classify(const dm_finding *f, const dm_change *c)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rule_matches(&rules[i], f, c))
			return rules[i].sev;
	return DM_SEV_MEDIUM;
}

dm_severity dm__finding_severity(const dm_finding *f)
{
	dm_severity s = DM_SEV_INFO, x;
	size_t i;

	if (f->kind != DM_FINDING_CHANGED || !f->nchanges)
		return classify(f, NULL);
	for (i = 0; i < f->nchanges; i++) {
		x = classify(f, &f->changes[i]);
		if (x > s)
			s = x;
	}
	return s;
}
