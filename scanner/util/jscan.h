/*
 * driftmap — a fast, strict JSON scanner over an in-memory document.
 *
 * It validates and skips values without building a tree, iterates object
 * members and array elements as spans of the original text, and builds
 * jansson values for a span on demand. Used to keep big documents (100k
 * resource states) as raw text and materialise only what is compared.
 */
#ifndef DM_JSCAN_H
#define DM_JSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/** A validated document: the text plus a tape of container extents. */
typedef struct dm_jdoc {
	const char *buf;
	size_t len;
	uint32_t *tend;   /* per container (pre-order): offset one past its closing bracket */
	uint32_t *tafter; /* per container: tape index following its whole subtree */
	size_t ntape, captape;
} dm_jdoc;

typedef struct dm_jspan {
	const char *p;  /* first byte of the value (after whitespace) */
	size_t len;     /* bytes of the value text */
	const dm_jdoc *doc;
	uint32_t ti;    /* tape index when the value is a container */
} dm_jspan;

typedef enum dm_jtype {
	DM_J_INVALID = 0, DM_J_OBJECT, DM_J_ARRAY, DM_J_STRING, DM_J_NUMBER, DM_J_TRUE,
	DM_J_FALSE, DM_J_NULL
} dm_jtype;

/** Max nesting depth accepted. */
#define DM_JSCAN_MAX_DEPTH 512

/**
 * Validate the document in buf (one value, whitespace around it allowed; the
 * buffer must outlive the doc) and build its tape. Returns 0, -1 on invalid
 * JSON with *err_off set to the offset of the error and *err_msg to a static
 * description, -2 on allocation failure or a document over 4 GiB.
 */
int dm__jdoc_parse(dm_jdoc *doc, const char *buf, size_t len, size_t *err_off,
		   const char **err_msg);
void dm__jdoc_free(dm_jdoc *doc);
/** The root value of a parsed document. */
dm_jspan dm__jdoc_root(const dm_jdoc *doc);

dm_jtype dm__jspan_type(dm_jspan v);

/** Iterator over an object's members or an array's elements (span must be valid). */
typedef struct dm_jiter {
	const char *p, *end;
	const dm_jdoc *doc;
	uint32_t next_ti;  /* tape index of the next child container */
	int first;
} dm_jiter;

void dm__jiter_init(dm_jiter *it, dm_jspan container);
/** Next object member: key span (including quotes) and value span. 1 = got one, 0 = end. */
int dm__jiter_member(dm_jiter *it, dm_jspan *key, dm_jspan *value);
/** Next array element. 1 = got one, 0 = end. */
int dm__jiter_element(dm_jiter *it, dm_jspan *value);

/** Are two values equal as JSON text, ignoring whitespace outside strings? (A fast sufficient test of equality.) */
int dm__jspan_text_equal(dm_jspan a, dm_jspan b);
/** Does the string span (with quotes) equal the plain C string s (no escapes in span)? */
int dm__jspan_streq(dm_jspan str, const char *s);
/** Find member `key` of an object span. 1 found, 0 not. */
int dm__jspan_get(dm_jspan obj, const char *key, dm_jspan *value);
/**
 * Find several members of an object in one pass: for each keys[i] found,
 * found[i] = 1 and out[i] its value (the last duplicate wins, as in
 * dm__jspan_get); else found[i] = 0. Returns how many were found.
 */
size_t dm__jspan_get_many(dm_jspan obj, const char *const *keys, size_t n, dm_jspan *out,
			  unsigned char *found);
/** Decode a string span into a malloc'd UTF-8 string (NULL on failure / not a string). */
char *dm__jspan_strdup(dm_jspan str);
/** Build a jansson value for a (validated) span; NULL on allocation failure. New reference. */
json_t *dm__jspan_to_json(dm_jspan v);

#endif
