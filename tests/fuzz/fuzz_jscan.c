/*
 * libFuzzer target: the raw JSON scanner (scanner/util/jscan.c).
 *
 * A document jscan accepts is walked whole through its iterators (every
 * span stays inside the buffer), converts to a jansson value, and — when
 * jansson also accepts the text — holds the same value (numbers compared
 * loosely: jscan keeps out-of-range integers as reals or text).
 *
 * Seeds: any JSON (fixtures/estates/, fixtures/states/, fixtures/aws/responses/ (.json)).
 */
#include "tests/fuzz/fuzz_util.h"
#include "internal.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

static void fuzz_jscan_in(const dm_jdoc *doc, dm_jspan v)
{
	FUZZ_CHECK(v.p >= doc->buf && v.len > 0 && v.p + v.len <= doc->buf + doc->len);
}

/* Walk every value; returns the number of values seen. */
static size_t fuzz_jscan_walk(const dm_jdoc *doc, dm_jspan v, int depth)
{
	dm_jiter it;
	dm_jspan k, e;
	size_t n = 1;

	fuzz_jscan_in(doc, v);
	FUZZ_CHECK(depth <= DM_JSCAN_MAX_DEPTH + 1);
	switch (dm__jspan_type(v)) {
	case DM_J_OBJECT:
		FUZZ_CHECK(v.p[v.len - 1] == '}');
		dm__jiter_init(&it, v);
		while (dm__jiter_member(&it, &k, &e)) {
			char *key;
			fuzz_jscan_in(doc, k);
			FUZZ_CHECK(dm__jspan_type(k) == DM_J_STRING && k.p[k.len - 1] == '"');
			key = dm__jspan_strdup(k);
			FUZZ_CHECK(key != NULL);
			free(key);
			n += fuzz_jscan_walk(doc, e, depth + 1);
		}
		break;
	case DM_J_ARRAY:
		FUZZ_CHECK(v.p[v.len - 1] == ']');
		dm__jiter_init(&it, v);
		while (dm__jiter_element(&it, &e))
			n += fuzz_jscan_walk(doc, e, depth + 1);
		break;
	case DM_J_STRING: {
		char *s = dm__jspan_strdup(v);
		FUZZ_CHECK(s != NULL && v.p[v.len - 1] == '"');
		free(s);
		break;
	}
	case DM_J_INVALID:
		FUZZ_CHECK(0);
		break;
	default:
		break;
	}
	FUZZ_CHECK(dm__jspan_text_equal(v, v));
	return n;
}

/* json_equal, but any two numbers are equal. */
static int fuzz_jscan_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && (json_is_number(b) || json_is_string(b)))
		return 1;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		const char *key;
		const json_t *va;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, key, va) {
			const json_t *vb = json_object_get(b, key);
			if (!vb || !fuzz_jscan_equal(va, vb))
				return 0;
		}
		return 1;
	}
	if (json_is_array(a)) {
		size_t i;
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++) {
			if (!fuzz_jscan_equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		}
		return 1;
	}
	return json_equal(a, b);
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"version", "resources", "attributes", "id", "schema"};
	dm_jspan out[5];
	unsigned char found[5];
	char *buf = fuzz_cstr(data, size);
	dm_jdoc doc;
	dm_jspan root, v;
	size_t off = 0, nvals;
	const char *msg = NULL;
	json_t *j = NULL, *ref = NULL;
	json_error_t jerr;
	int rc;

	rc = dm__jdoc_parse(&doc, buf, size, &off, &msg);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && msg && off <= size);
		free(buf);
		return 0;
	}
	root = dm__jdoc_root(&doc);
	nvals = fuzz_jscan_walk(&doc, root, 0);
	FUZZ_CHECK(nvals >= doc.ntape);
	if (dm__jspan_type(root) == DM_J_OBJECT) {
		dm__jspan_get_many(root, keys, 5, out, found);
		if (found[0])
			FUZZ_CHECK(dm__jspan_get(root, keys[0], &v));
	}
	j = dm__jspan_to_json(root);
	FUZZ_CHECK(j != NULL);
	ref = json_loadb(buf, size, JSON_DECODE_ANY, &jerr);
	if (ref)
		FUZZ_CHECK(fuzz_jscan_equal(j, ref));
	json_decref(ref);
	json_decref(j);
	dm__jdoc_free(&doc);
	free(buf);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
