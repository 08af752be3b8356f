/*
 * driftmap — attribute comparison by dm_cmp_kind (DESIGN.md "Matching and
 * comparison rules"): scalars by value, sets as sets, tags (state tags_all
 * when present), maps, IAM policies by meaning, nested blocks.
 *
 * An attribute is compared only when both sides hold the key: a live
 * provider that did not fetch an attribute, or an old state written before
 * the attribute existed, never makes drift.
 */
#include <stdio.h>
#include <string.h>
#include "diff_internal.h"

#define PATH_MAX_LEN 512

const char *dm__json_str(const json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return (s && *s) ? s : NULL;
}

const char *dm__scalar_text(const json_t *v, char *buf, size_t cap)
{
	double d;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		d = json_real_value(v);
		if (d > -9e15 && d < 9e15 && d == (double)(long long)d) /* range first: the cast of a bigger d is undefined */
			snprintf(buf, cap, "%lld", (long long)d);
		else
			snprintf(buf, cap, "%.17g", d);
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}

int dm__json_emptyish(const json_t *v)
{
	const char *s;

	if (!v)
		return 1;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 1;
	case JSON_STRING:
		s = json_string_value(v);
		return !*s || strcmp(s, "0") == 0 || strcmp(s, "false") == 0;
	case JSON_INTEGER:
		return json_integer_value(v) == 0;
	case JSON_REAL:
		return json_real_value(v) == 0.0;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	case JSON_OBJECT:
		return json_object_size(v) == 0;
	default:
		return 0;
	}
}

int dm__scalar_equal(const json_t *a, const json_t *b)
{
	char ba[40], bb[40];
	const char *ta, *tb;

	if (json_is_string(a) && json_is_string(b) &&
	    strcmp(json_string_value(a), json_string_value(b)) == 0)
		return 1;
	if (dm__json_emptyish(a) && dm__json_emptyish(b))
		return 1;
	ta = a ? dm__scalar_text(a, ba, sizeof(ba)) : NULL;
	tb = b ? dm__scalar_text(b, bb, sizeof(bb)) : NULL;
	if (ta && tb)
		return strcmp(ta, tb) == 0;
	if (!ta && !tb && a && b)
		return json_equal((json_t *)a, (json_t *)b);
	return 0;
}

int dm__json_ll(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) /* the cast would be undefined */
			return -1;
		*out = (long long)d;
		return 0;
	}
	if (json_is_string(v))
		return dm__parse_ll(json_string_value(v), out);
	return -1;
}

/* ---- helpers ------------------------------------------------------------ */

/* prefix.name into buf (cut at cap - 1: tag keys are at most 128 characters). */
static const char *mkpath(char *buf, size_t cap, const char *prefix, const char *name)
{
	size_t lp = prefix ? strlen(prefix) : 0, ln = strlen(name), o = 0;

	if (lp) {
		if (lp > cap - 2)
			lp = cap - 2;
		memcpy(buf, prefix, lp);
		o = lp;
		buf[o++] = '.';
	}
	if (ln > cap - 1 - o)
		ln = cap - 1 - o;
	memcpy(buf + o, name, ln);
	buf[o + ln] = '\0';
	return buf;
}

static json_t *ref_or_null(const json_t *v)
{
	return v ? json_incref((json_t *)v) : json_null();
}

static int emit(dm_diffrun *run, dm_pair *p, const char *path, dm_change_op op,
		const json_t *s, const json_t *l)
{
	if (!p)
		return 1;
	if (dm__pair_change(run, p, path, op, op == DM_OP_ADD ? NULL : ref_or_null(s),
			    op == DM_OP_REMOVE ? NULL : ref_or_null(l)) < 0)
		return DM_ENOMEM;
	return 1;
}

/* Is every element of a equal to some element of b? (scalars by value, objects as JSON) */
static int subset_of(const json_t *a, const json_t *b)
{
	size_t i, j;

	for (i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);
		int found = 0;
		for (j = 0; j < json_array_size(b) && !found; j++)
			found = dm__scalar_equal(x, json_array_get(b, j));
		if (!found)
			return 0;
	}
	return 1;
}

static int set_equal(const json_t *a, const json_t *b)
{
	if (dm__json_emptyish(a) && dm__json_emptyish(b))
		return 1;
	if (!json_is_array(a) || !json_is_array(b))
		return json_is_array(a) ? dm__scalar_equal(json_array_size(a) == 1 ?
							   json_array_get(a, 0) : a, b)
					: json_is_array(b) ? dm__scalar_equal(a, json_array_size(b) == 1 ?
									     json_array_get(b, 0) : b)
							   : dm__scalar_equal(a, b);
	return subset_of(a, b) && subset_of(b, a);
}

/* The single object of a block value: [ {…} ] or {…}; NULL when empty. */
static const json_t *block_obj(const json_t *v)
{
	if (json_is_object(v))
		return v;
	if (json_is_array(v) && json_array_size(v) >= 1 && json_is_object(json_array_get(v, 0)))
		return json_array_get(v, 0);
	return NULL;
}

static int cmp_attr(dm_diffrun *run, dm_pair *p, const dm_attr_spec *a, const char *prefix,
		    const json_t *sobj, const json_t *lobj);

static int cmp_specs(dm_diffrun *run, dm_pair *p, const dm_attr_spec *specs, size_t n,
		     const char *prefix, const json_t *sobj, const json_t *lobj,
		     const char *type)
{
	size_t i;
	int total = 0, rc;

	for (i = 0; i < n; i++) {
		if (type && dm__atoms_owns(type, specs[i].name))
			continue;
		rc = cmp_attr(run, p, &specs[i], prefix, sobj, lobj);
		if (rc < 0)
			return rc;
		total += rc;
		if (total && !p)
			return total; /* dry run: the first difference is enough */
	}
	return total;
}

static int keymap_cmp(dm_diffrun *run, dm_pair *p, const char *name, const char *prefix,
		      const json_t *s, const json_t *l, int skip_aws)
{
	char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
	const char *k;
	json_t *v;
	int n = 0, rc;

	mkpath(path, sizeof(path), prefix, name);
	if (!json_is_object(s) && !json_is_object(l))
		return 0;
	json_object_foreach((json_t *)s, k, v) {
		json_t *lv = json_is_object(l) ? json_object_get(l, k) : NULL;
		if (skip_aws && strncmp(k, "aws:", 4) == 0)
			continue;
		if (lv && dm__scalar_equal(v, lv))
			continue;
		if (!lv && dm__json_emptyish(v) && !json_is_string(v))
			continue;
		mkpath(sub, sizeof(sub), path, k);
		rc = emit(run, p, sub, lv ? DM_OP_REPLACE : DM_OP_REMOVE, v, lv);
		if (rc < 0)
			return rc;
		n++;
		if (!p)
			return n;
	}
	json_object_foreach((json_t *)l, k, v) {
		if (skip_aws && strncmp(k, "aws:", 4) == 0)
			continue;
		if (json_is_object(s) && json_object_get(s, k))
			continue;
		mkpath(sub, sizeof(sub), path, k);
		rc = emit(run, p, sub, DM_OP_ADD, NULL, v);
		if (rc < 0)
			return rc;
		n++;
		if (!p)
			return n;
	}
	return n;
}

static int blockset_elem_equal(dm_diffrun *run, const dm_attr_spec *a, const json_t *x,
			       const json_t *y)
{
	if (a->sub && a->nsub)
		return cmp_specs(run, NULL, a->sub, a->nsub, "", x, y, NULL) == 0;
	return json_equal((json_t *)x, (json_t *)y);
}

static int blockset_subset(dm_diffrun *run, const dm_attr_spec *a, const json_t *s,
			   const json_t *l)
{
	size_t i, j;

	for (i = 0; i < json_array_size(s); i++) {
		int found = 0;
		for (j = 0; j < json_array_size(l) && !found; j++)
			found = blockset_elem_equal(run, a, json_array_get(s, i), json_array_get(l, j));
		if (!found)
			return 0;
	}
	return 1;
}

static int cmp_attr(dm_diffrun *run, dm_pair *p, const dm_attr_spec *a, const char *prefix,
		    const json_t *sobj, const json_t *lobj)
{
	char path[PATH_MAX_LEN];
	const json_t *sv, *lv;
	const char *ss, *ls;

	if (a->cmp == DM_CMP_IGNORE)
		return 0;
	lv = json_object_get(lobj, a->name);
	if (a->cmp == DM_CMP_TAGS) {
		const json_t *ta = json_object_get(sobj, "tags_all");
		sv = (ta && !json_is_null(ta)) ? ta : json_object_get(sobj, a->name);
		if (!sv && !json_object_get(sobj, "tags_all"))
			return 0;
	} else {
		sv = json_object_get(sobj, a->name);
	}
	if (!sv || !lv)
		return 0; /* one side does not hold the attribute: not comparable */
	mkpath(path, sizeof(path), prefix, a->name);

	switch (a->cmp) {
	case DM_CMP_SCALAR:
		if (dm__scalar_equal(sv, lv))
			return 0;
		if ((json_is_array(sv) || json_is_object(sv)) && json_equal((json_t *)sv, (json_t *)lv))
			return 0;
		return emit(run, p, path, DM_OP_REPLACE, sv, lv);
	case DM_CMP_SET:
		if (set_equal(sv, lv))
			return 0;
		return emit(run, p, path, DM_OP_REPLACE, sv, lv);
	case DM_CMP_POLICY:
		ss = json_is_string(sv) ? json_string_value(sv) : "";
		ls = json_is_string(lv) ? json_string_value(lv) : "";
		if (dm__json_emptyish(sv) && dm__json_emptyish(lv))
			return 0;
		if (dm_policy_equal(ss, ls))
			return 0;
		return emit(run, p, path, DM_OP_REPLACE, sv, lv);
	case DM_CMP_TAGS:
		return keymap_cmp(run, p, a->name, prefix, sv, lv, 1);
	case DM_CMP_MAP:
		return keymap_cmp(run, p, a->name, prefix, sv, lv, 0);
	case DM_CMP_BLOCK: {
		const json_t *sb = block_obj(sv), *lb = block_obj(lv);
		if (!sb || !lb)
			return 0; /* not configured in state, or not read live */
		if (a->sub && a->nsub)
			return cmp_specs(run, p, a->sub, a->nsub, path, sb, lb, NULL);
		if (json_equal((json_t *)sb, (json_t *)lb))
			return 0;
		return emit(run, p, path, DM_OP_REPLACE, sv, lv);
	}
	case DM_CMP_BLOCKSET:
		if (dm__json_emptyish(sv) && dm__json_emptyish(lv))
			return 0;
		if (json_is_array(sv) && json_is_array(lv) && blockset_subset(run, a, sv, lv) &&
		    blockset_subset(run, a, lv, sv))
			return 0;
		return emit(run, p, path, DM_OP_REPLACE, sv, lv);
	default:
		return 0;
	}
}

int dm__compare_resource(dm_diffrun *run, dm_pair *p, const dm_type_spec *spec,
			 const json_t *sattrs, const json_t *lattrs)
{
	if (!spec || !json_is_object(sattrs) || !json_is_object(lattrs))
		return 0;
	return cmp_specs(run, p, spec->attrs, spec->nattrs, "", sattrs, lattrs, spec->type);
}
