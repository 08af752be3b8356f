/* Helpers shared by the posture unit tests (header-only, static). */
#ifndef TEST_POSTURE_COMMON_H
#define TEST_POSTURE_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "driftmap/posture.h"

/* Inventory text is written with ' for " (C readability); \' becomes \". */
#define ACCT "111111111111"
#define R(type, id, attrs)                                                                              \
	"{'provider':'aws','type':'" type "','id':'" id "','account':'" ACCT "','region':'us-east-1',"      \
	"'attributes':" attrs "}"
#define RF(type, id, flags, attrs)                                                                      \
	"{'provider':'aws','type':'" type "','id':'" id "','account':'" ACCT "','region':'us-east-1',"      \
	"'flags':['" flags "'],'attributes':" attrs "}"
#define RG(type, id, attrs)                                                                             \
	"{'provider':'aws','type':'" type "','id':'" id "','account':'" ACCT "','region':'global',"         \
	"'attributes':" attrs "}"

static char *pt_quote(const char *s)
{
	char *o = strdup(s), *p;

	for (p = o; p && *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
	return o;
}

/* Build an inventory from resources (and optional scopes) written in the quote style above. */
static __attribute__((unused)) dm_inventory *pt_inv(dm_ctx *ctx, const char *resources, const char *scopes)
{
	char *body = NULL, *q;
	size_t n = strlen(resources) + (scopes ? strlen(scopes) : 0) + 128;
	json_error_t err;
	json_t *doc;
	dm_inventory *inv = NULL;

	body = malloc(n);
	assert_non_null(body);
	snprintf(body, n, "{'schema':'driftmap.inventory/v1','scopes':[%s],'resources':[%s]}", scopes ? scopes : "",
		 resources);
	q = pt_quote(body);
	free(body);
	doc = json_loads(q, 0, &err);
	if (!doc)
		fail_msg("bad test inventory JSON: %s at %d:%d\n%s", err.text, err.line, err.column, q);
	free(q);
	if (dm_inventory_from_json(&inv, ctx, doc, "test") != 0)
		fail_msg("inventory: %s", dm_ctx_last_error(ctx));
	json_decref(doc);
	return inv;
}

/* First finding of RULE on RESOURCE (NULL: any) whose sub_key contains SUB (NULL: any). */
static __attribute__((unused)) const dm_posture_finding *pt_find(const dm_posture *p, const char *rule, const char *resource,
					 const char *sub)
{
	size_t i;

	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		if (strcmp(f->rule, rule) != 0)
			continue;
		if (resource && strcmp(f->resource_id, resource) != 0)
			continue;
		if (sub && !strstr(f->subkey, sub))
			continue;
		return f;
	}
	return NULL;
}

static __attribute__((unused)) size_t pt_count(const dm_posture *p, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < dm_posture_count(p); i++)
		n += strcmp(dm_posture_at(p, i)->rule, rule) == 0;
	return n;
}

static __attribute__((unused)) const dm_posture_not_evaluated *pt_ne(const dm_posture *p, const char *rule, const char *reason_part)
{
	size_t i;

	for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
		const dm_posture_not_evaluated *n = dm_posture_not_evaluated_at(p, i);
		if (strcmp(n->rule, rule) == 0 && (!reason_part || strstr(n->reason, reason_part)))
			return n;
	}
	return NULL;
}

static __attribute__((unused)) void pt_dump(const dm_posture *p)
{
	size_t i;

	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		print_message("  %s %s %s [%s] %s\n", f->rule, dm_posture_severity_name(f->severity), f->resource_id,
			      f->subkey, f->message);
	}
}

#endif
