/*
 * driftmap — IAM policy documents compared by meaning (DESIGN.md):
 *
 *   - a percent-encoded document (as IAM returns it) is URL-decoded first;
 *   - JSON is parsed, so whitespace, "\r\n" and key order never matter;
 *   - every array is a set (statements, actions, resources, principals,
 *     condition values): order and duplicates never matter;
 *   - a one-element list equals its element ("Action": "s3:Get" == ["s3:Get"]);
 *   - numbers and booleans equal their string form (condition values);
 *   - principals "123456789012" and "arn:<partition>:iam::123456789012:root"
 *     are equal;
 *   - an empty "Sid" equals no Sid.
 *
 * Nothing else is assumed: a missing "Version" differs from any Version.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "diff_internal.h"

#define POLICY_MAX (1u << 20) /* IAM documents are at most a few KiB; refuse silly sizes */



json_t *dm__policy_parse(const char *s)
{
	json_t *doc;
	char *dec;

	if (!s || strlen(s) > POLICY_MAX)
		return NULL;
	doc = json_loads(s, JSON_DECODE_ANY, NULL);
	if (doc || !strchr(s, '%'))
		return doc;
	dec = dm__url_decode(s);
	if (!dec)
		return NULL;
	doc = json_loads(dec, JSON_DECODE_ANY, NULL);
	free(dec);
	return doc;
}

/* "arn:<partition>:iam::123456789012:root" -> "123456789012", else the string. */
static json_t *principal_norm(const char *s)
{
	const char *f[6];
	size_t i, len;
	const char *p = s;

	for (i = 0; i < 6; i++) {
		f[i] = p;
		if (i < 5) {
			p = strchr(p, ':');
			if (!p)
				return json_string(s);
			p++;
		}
	}
	/* f: arn, partition, service, region, account, resource */
	len = (size_t)(f[5] - f[4]) - 1;
	if (strncmp(f[0], "arn:", 4) == 0 && strncmp(f[2], "iam:", 4) == 0 && f[3][0] == ':' &&
	    len == 12 && strcmp(f[5], "root") == 0)
		return json_stringn(f[4], len);
	return json_string(s);
}

/* An array element with its canonical text, sorted by the text. */
typedef struct canon_elem {
	json_t *elem;
	char *text;
} canon_elem;

static int cmp_text(const void *a, const void *b)
{
	const canon_elem *x = a, *y = b;
	return strcmp(x->text, y->text);
}

/*
 * Canonical form: objects keep keys (jansson compares them regardless of
 * order), arrays become sorted, de-duplicated arrays of canonical elements
 * and then a single element when only one remains, scalars become strings.
 */
static json_t *canon(const json_t *v, int principal)
{
	json_t *out = NULL;
	const char *k;
	json_t *x;
	char buf[40];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		out = json_object();
		if (!out)
			return NULL;
		json_object_foreach((json_t *)v, k, x) {
			json_t *c;
			if (strcmp(k, "Sid") == 0 && json_is_string(x) && !*json_string_value(x))
				continue;
			c = canon(x, principal || strcmp(k, "Principal") == 0 ||
					     strcmp(k, "NotPrincipal") == 0);
			if (!c || json_object_set_new(out, k, c) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	case JSON_ARRAY: {
		size_t n = json_array_size(v), i, m = 0;
		canon_elem *el = NULL;

		if (n == 1)
			return canon(json_array_get(v, 0), principal);
		el = calloc(n ? n : 1, sizeof(*el));
		out = json_array();
		if (!el || !out)
			goto fail;
		for (i = 0; i < n; i++) {
			el[i].elem = canon(json_array_get(v, i), principal);
			if (!el[i].elem)
				goto fail;
			el[i].text = json_dumps(el[i].elem, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			if (!el[i].text)
				goto fail;
		}
		/* sorted and de-duplicated in n log n: big documents must not take minutes */
		qsort(el, n, sizeof(*el), cmp_text);
		for (i = 0; i < n; i++) {
			if (i > 0 && strcmp(el[i].text, el[i - 1].text) == 0)
				continue;
			if (json_array_append(out, el[i].elem) < 0)
				goto fail;
			m++;
		}
		if (m == 1) {
			json_t *one = json_incref(json_array_get(out, 0));
			json_decref(out);
			out = one;
		}
		for (i = 0; i < n; i++) {
			json_decref(el[i].elem);
			free(el[i].text);
		}
		free(el);
		return out;
fail:
		for (i = 0; el && i < n; i++) {
			json_decref(el[i].elem);
			free(el[i].text);
		}
		free(el);
		json_decref(out);
		return NULL;
	}
	case JSON_STRING:
		if (principal)
			return principal_norm(json_string_value(v));
		return json_incref((json_t *)v);
	case JSON_NULL:
		return json_null();
	default:
		return json_string(dm__scalar_text(v, buf, sizeof(buf)));
	}
}

int dm_policy_equal(const char *a, const char *b)
{
	json_t *da = NULL, *db = NULL, *ca = NULL, *cb = NULL;
	int eq;

	if (!a)
		a = "";
	if (!b)
		b = "";
	if (strcmp(a, b) == 0)
		return 1;
	if (!*a || !*b)
		return 0;
	da = dm__policy_parse(a);
	db = dm__policy_parse(b);
	if (!da || !db) {
		eq = 0;
		goto done;
	}
	if (json_equal(da, db)) {
		eq = 1;
		goto done;
	}
	ca = canon(da, 0);
	cb = canon(db, 0);
	eq = ca && cb && json_equal(ca, cb);
done:
	json_decref(da);
	json_decref(db);
	json_decref(ca);
	json_decref(cb);
	return eq ? 1 : 0;
}

/* ---- predicates for the severity table ----------------------------------- */

static int value_has(const json_t *v, const char *const *wanted, size_t nwanted)
{
	size_t i, j;

	if (json_is_string(v)) {
		for (j = 0; j < nwanted; j++)
			if (strcmp(json_string_value(v), wanted[j]) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < json_array_size(v); i++)
		if (value_has(json_array_get(v, i), wanted, nwanted))
			return 1;
	return 0;
}

static json_t *statements(json_t *doc)
{
	json_t *st = json_object_get(doc, "Statement");
	json_t *arr;

	if (json_is_array(st))
		return json_incref(st);
	arr = json_array();
	if (arr && json_is_object(st))
		json_array_append(arr, st);
	return arr;
}

int dm__policy_is_admin(const char *doc)
{
	static const char *const star_actions[] = { "*", "*:*" };
	static const char *const star[] = { "*" };
	json_t *d = dm__policy_parse(doc), *st;
	size_t i;
	int admin = 0;

	if (!d)
		return 0;
	st = statements(d);
	for (i = 0; i < json_array_size(st) && !admin; i++) {
		json_t *s = json_array_get(st, i);
		const char *eff = json_string_value(json_object_get(s, "Effect"));
		if (!eff || strcmp(eff, "Allow") != 0)
			continue;
		admin = value_has(json_object_get(s, "Action"), star_actions, 2) &&
			value_has(json_object_get(s, "Resource"), star, 1);
	}
	json_decref(st);
	json_decref(d);
	return admin;
}

int dm__policy_public_principal(const char *doc)
{
	static const char *const star[] = { "*" };
	json_t *d = dm__policy_parse(doc), *st;
	size_t i;
	int pub = 0;

	if (!d)
		return 0;
	st = statements(d);
	for (i = 0; i < json_array_size(st) && !pub; i++) {
		json_t *s = json_array_get(st, i), *pr;
		const char *eff = json_string_value(json_object_get(s, "Effect"));
		if (!eff || strcmp(eff, "Allow") != 0)
			continue;
		pr = json_object_get(s, "Principal");
		if (json_is_string(pr))
			pub = strcmp(json_string_value(pr), "*") == 0;
		else if (json_is_object(pr))
			pub = value_has(json_object_get(pr, "AWS"), star, 1);
	}
	json_decref(st);
	json_decref(d);
	return pub;
}
