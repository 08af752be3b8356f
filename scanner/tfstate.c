/*
 * driftmap — the Terraform state parser: format version 4 (Terraform 0.12
 * and later, OpenTofu) and version 3 (Terraform 0.11 and older, terraformer),
 * read into one model. Versions 1, 2 and anything unknown are rejected with
 * DM_EVERSION.
 *
 * One json_loadb() per document. Attribute objects are not copied: each
 * resource takes a new reference (json_incref) to its `attributes` object and
 * the document tree around them is released when parsing ends.
 *
 * A document is checked for shape first (validate_v4/validate_v3) and only
 * then added to the inventory, so a malformed file adds nothing.
 *
 * Legacy flatmaps (`attributes_flat` in v4, every v3 attribute) are turned
 * into nested JSON by flat_object(): `name.#` is a list (its elements are
 * ordered by their numeric index or set hash), `name.%` a map, anything else
 * with dots a nested object. Leaf values stay as they are in the flatmap, that
 * is *strings* ("22", "true"): without the provider schema there is no way to
 * tell a number from a string that looks like one.
 *
 * A resource's id is attributes.id (a number is written as text); when it
 * is absent, null or "" (data sources, partly created objects) the full
 * address stands in, so every resource has a non-empty id.
 *
 * The `resources` count recorded per source is the number of managed
 * instances read, deposed and tainted objects included, data sources not.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "driftmap/state.h"
#include "source.h"

/* Nesting deeper than this in a flatmap is kept flat (keys with dots). */
#define FLAT_MAX_DEPTH 64

/* One instance read, added to the inventory only once the whole file is read. */
typedef struct pending {
	dm_resource r; /* strings in parser.arena; attrs/sensitive owned */
	dm_jspan raw;  /* lazy path: the raw attributes object (r.attrs is NULL) */
} pending;

typedef struct parser {
	dm_inventory *into;
	dm_ctx *ctx;
	const char *uri;
	const char *commit;
	dm_buf addr;      /* scratch: the resource address */
	dm_buf prov;      /* scratch: provider short name */
	dm_buf mod;       /* scratch: v3 module path */
	char idbuf[32];   /* scratch: numeric id as text */
	dm_arena *arena;  /* strings of pending instances */
	pending *pend;
	size_t npend, cappend;
	size_t managed;   /* managed instances read */
	const dm_jspan *lazy; /* lazy path: attribute spans of the current resource's instances */
	size_t nlazy;
} parser;

/* ---- small helpers ------------------------------------------------------- */

static const char *str_or_null(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Absent or JSON null. */
static int is_absent(const json_t *v)
{
	return v == NULL || json_is_null(v);
}

/*
 * Append a string quoted the way Terraform writes instance keys in addresses
 * (addrs.StringKey: HCL quoted string): \n \r \t \" \\ escaped, "${" and
 * "%{" doubled to "$${" / "%%{", other control characters as \uXXXX.
 */
static int put_hcl_quoted(dm_buf *b, const char *s, size_t n)
{
	int rc = dm__buf_putc(b, '"');
	size_t i = 0;

	while (rc == 0 && i < n) {
		unsigned char c = (unsigned char)s[i];
		char esc[12];

		switch (c) {
		case '\n': rc = dm__buf_put(b, "\\n", 2); break;
		case '\r': rc = dm__buf_put(b, "\\r", 2); break;
		case '\t': rc = dm__buf_put(b, "\\t", 2); break;
		case '"': rc = dm__buf_put(b, "\\\"", 2); break;
		case '\\': rc = dm__buf_put(b, "\\\\", 2); break;
		case '$':
		case '%':
			rc = dm__buf_putc(b, (char)c);
			if (rc == 0 && i + 1 < n && s[i + 1] == '{')
				rc = dm__buf_putc(b, (char)c);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
				rc = dm__buf_puts(b, esc);
			} else if (c == 0xc2 && i + 1 < n &&
				   (unsigned char)s[i + 1] >= 0x80 &&
				   (unsigned char)s[i + 1] <= 0x9f) {
				/* C1 control characters U+0080..U+009F */
				snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)(unsigned char)s[i + 1]);
				rc = dm__buf_puts(b, esc);
				i++;
			} else {
				rc = dm__buf_putc(b, (char)c);
			}
			break;
		}
		i++;
	}
	if (rc == 0)
		rc = dm__buf_putc(b, '"');
	return rc;
}

/* Append "[0]" or "[\"key\"]" for a v4 index_key (validated: integer or string). */
static int put_index_key(dm_buf *b, const json_t *key)
{
	int rc;

	if (json_is_integer(key))
		return dm__buf_printf(b, "[%lld]", (long long)json_integer_value(key));
	rc = dm__buf_putc(b, '[');
	if (rc == 0)
		rc = put_hcl_quoted(b, json_string_value(key), json_string_length(key));
	if (rc == 0)
		rc = dm__buf_putc(b, ']');
	return rc;
}

/* Skip one `[...]` instance key (quoted strings may hold ']'); returns the char after it. */
static const char *skip_bracket(const char *p)
{
	p++; /* '[' */
	while (*p && *p != ']') {
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p)
				p++;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/*
 * Provider short name from a provider address:
 *   provider["registry.terraform.io/hashicorp/aws"]        -> aws
 *   provider["registry.terraform.io/hashicorp/aws"].east   -> aws
 *   module.vpc.provider["registry.opentofu.org/x/kind"]    -> kind
 *   provider.aws, provider.aws.east, module.x.provider.aws -> aws
 * Anything else (absent, "", unknown form): the type's prefix before the
 * first '_' ("aws_vpc" -> aws), which is how Terraform finds the implied
 * provider of a resource type.
 */
static int provider_short(dm_buf *out, const char *paddr, const char *type)
{
	const char *p = paddr;
	const char *start = NULL;
	size_t n = 0;

	dm__buf_reset(out);
	while (p && strncmp(p, "module.", 7) == 0) {
		p += 7;
		while (*p && *p != '.' && *p != '[')
			p++;
		if (*p == '[')
			p = skip_bracket(p);
		if (*p != '.') {
			p = NULL;
			break;
		}
		p++;
	}
	if (p && strncmp(p, "provider[\"", 10) == 0) {
		const char *fqn = p + 10;
		const char *end = strchr(fqn, '"');
		const char *slash;

		if (end) {
			start = fqn;
			for (slash = fqn; slash < end; slash++)
				if (*slash == '/')
					start = slash + 1;
			n = (size_t)(end - start);
		}
	} else if (p && strncmp(p, "provider.", 9) == 0) {
		start = p + 9;
		n = strcspn(start, ".[");
	}
	if (!start || n == 0) {
		start = type;
		n = strcspn(type, "_");
	}
	return dm__buf_put(out, start, n);
}

/* ---- sensitive_attributes ------------------------------------------------ */

/*
 * One step of a cty path: {"type":"get_attr","value":"name"} -> "name",
 * {"type":"index","value":{"value":K,"type":T}} -> K (string or integer).
 * NULL when the step has a form we do not know.
 */
static json_t *sensitive_step(const json_t *step)
{
	const char *t = str_or_null(step, "type");
	const json_t *v = json_object_get(step, "value");

	if (!t || !v)
		return NULL;
	if (strcmp(t, "get_attr") == 0)
		return json_is_string(v) ? json_incref((json_t *)v) : NULL;
	if (strcmp(t, "index") != 0)
		return NULL;
	if (json_is_object(v))
		v = json_object_get(v, "value");
	if (json_is_string(v) || json_is_integer(v))
		return json_incref((json_t *)v);
	if (json_is_real(v)) {
		double d = json_real_value(v);
		/* the cast is only defined inside long long's range (2^63 is exact as a double) */
		if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == (double)(long long)d)
			return json_integer((json_int_t)d);
	}
	return NULL;
}

/*
 * Terraform's list of cty paths -> JSON array of arrays of keys/indices.
 * A step we do not understand ends its path there: the prefix covers more
 * than the original path, so redaction errs on the side of hiding. When the
 * very first step is one we do not understand, the path becomes [] (the
 * whole resource is sensitive), never dropped. NULL when there is nothing to
 * keep (or on allocation failure, reported through *nomem).
 */
static json_t *convert_sensitive(const json_t *sa, int *nomem)
{
	json_t *out = NULL;
	size_t i, j;
	const json_t *path, *step;

	if (!json_is_array(sa) || json_array_size(sa) == 0)
		return NULL;
	json_array_foreach(sa, i, path) {
		json_t *conv;

		if (!json_is_array(path))
			continue;
		conv = json_array();
		if (!conv)
			goto oom;
		json_array_foreach(path, j, step) {
			json_t *k = sensitive_step(step);

			if (!k)
				break;
			if (json_array_append_new(conv, k) != 0) {
				json_decref(conv);
				goto oom;
			}
		}
		if (json_array_size(path) == 0) {
			json_decref(conv);
			continue; /* an empty path says nothing */
		}
		if (!out)
			out = json_array();
		if (!out || json_array_append_new(out, conv) != 0) {
			json_decref(conv);
			goto oom;
		}
	}
	return out;
oom:
	json_decref(out);
	*nomem = 1;
	return NULL;
}

/* ---- flatmap -> nested JSON ---------------------------------------------- */

typedef struct flat_kv {
	const char *key;
	json_t *val;
} flat_kv;

typedef struct flat_elem {
	const char *idx;
	size_t idxlen;
	json_t *val;
} flat_elem;

static int flat_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const flat_kv *)a)->key, ((const flat_kv *)b)->key);
}

/* Numeric when both are all digits (index or set hash), else bytewise. */
static int flat_elem_cmp(const void *a, const void *b)
{
	const flat_elem *x = a, *y = b;
	size_t i;
	int xnum = x->idxlen > 0, ynum = y->idxlen > 0;
	int c;

	for (i = 0; i < x->idxlen && xnum; i++)
		xnum = x->idx[i] >= '0' && x->idx[i] <= '9';
	for (i = 0; i < y->idxlen && ynum; i++)
		ynum = y->idx[i] >= '0' && y->idx[i] <= '9';
	if (xnum && ynum) {
		size_t xl = x->idxlen, yl = y->idxlen;
		const char *xp = x->idx, *yp = y->idx;

		while (xl > 1 && *xp == '0') {
			xp++;
			xl--;
		}
		while (yl > 1 && *yp == '0') {
			yp++;
			yl--;
		}
		if (xl != yl)
			return xl < yl ? -1 : 1;
		return memcmp(xp, yp, xl);
	}
	c = memcmp(x->idx, y->idx, x->idxlen < y->idxlen ? x->idxlen : y->idxlen);
	if (c != 0)
		return c;
	return x->idxlen < y->idxlen ? -1 : (x->idxlen > y->idxlen);
}

/* End of the run of entries starting at lo that share key[0..plen). */
static size_t flat_group_end(const flat_kv *kv, size_t lo, size_t hi, size_t plen)
{
	size_t j = lo + 1;

	while (j < hi && strncmp(kv[j].key, kv[lo].key, plen) == 0)
		j++;
	return j;
}

static json_t *flat_value(const flat_kv *kv, size_t lo, size_t hi, size_t plen, int depth);

/* Entries [lo,hi) share a prefix of plen bytes; each remainder is a field. */
static json_t *flat_object(const flat_kv *kv, size_t lo, size_t hi, size_t plen, int depth)
{
	json_t *obj = json_object();
	size_t i = lo;

	while (obj && i < hi) {
		const char *rem = kv[i].key + plen;
		const char *dot = strchr(rem, '.');
		json_t *v;
		size_t j;

		if (!dot || depth >= FLAT_MAX_DEPTH) {
			if (json_object_set(obj, rem, kv[i].val) != 0)
				goto oom;
			i++;
			continue;
		}
		j = flat_group_end(kv, i, hi, (size_t)(dot - kv[i].key) + 1);
		v = flat_value(kv, i, j, (size_t)(dot - kv[i].key) + 1, depth + 1);
		if (!v || json_object_setn_new(obj, rem, (size_t)(dot - rem), v) != 0)
			goto oom;
		i = j;
	}
	return obj;
oom:
	json_decref(obj);
	return NULL;
}

/* `name.%` present: every remainder (dots included) is a map key. */
static json_t *flat_map(const flat_kv *kv, size_t lo, size_t hi, size_t plen)
{
	json_t *obj = json_object();
	size_t i;

	for (i = lo; obj && i < hi; i++) {
		const char *rem = kv[i].key + plen;

		if (strcmp(rem, "%") == 0)
			continue;
		if (json_object_set(obj, rem, kv[i].val) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* `name.#` present: remainders are `IDX` (scalar) or `IDX.field...`. */
static json_t *flat_list(const flat_kv *kv, size_t lo, size_t hi, size_t plen, int depth)
{
	json_t *arr = json_array();
	flat_elem *el = NULL;
	size_t nel = 0, i = lo, k;

	if (!arr)
		return NULL;
	el = dm__calloc(hi - lo, sizeof(*el));
	if (!el)
		goto oom;
	while (i < hi) {
		const char *rem = kv[i].key + plen;
		const char *dot = strchr(rem, '.');
		size_t j;

		if (strcmp(rem, "#") == 0) {
			i++;
			continue;
		}
		el[nel].idx = rem;
		if (!dot) {
			el[nel].idxlen = strlen(rem);
			el[nel].val = json_incref(kv[i].val);
			j = i + 1;
		} else {
			el[nel].idxlen = (size_t)(dot - rem);
			j = flat_group_end(kv, i, hi, (size_t)(dot - kv[i].key) + 1);
			el[nel].val = flat_value(kv, i, j, (size_t)(dot - kv[i].key) + 1, depth + 1);
			if (!el[nel].val)
				goto oom;
		}
		nel++;
		i = j;
	}
	qsort(el, nel, sizeof(*el), flat_elem_cmp);
	for (k = 0; k < nel; k++) {
		json_t *v = el[k].val;

		el[k].val = NULL;
		if (json_array_append_new(arr, v) != 0)
			goto oom;
	}
	free(el);
	return arr;
oom:
	for (k = 0; k < nel; k++)
		json_decref(el[k].val);
	free(el);
	json_decref(arr);
	return NULL;
}

static json_t *flat_value(const flat_kv *kv, size_t lo, size_t hi, size_t plen, int depth)
{
	size_t i;

	/* lists and maps recurse too ("a.#", "a.0.#", ...): the depth limit holds for them */
	if (depth >= FLAT_MAX_DEPTH)
		return flat_object(kv, lo, hi, plen, depth);
	for (i = lo; i < hi; i++) {
		const char *rem = kv[i].key + plen;

		if (strcmp(rem, "#") == 0)
			return flat_list(kv, lo, hi, plen, depth);
		if (strcmp(rem, "%") == 0)
			return flat_map(kv, lo, hi, plen);
	}
	return flat_object(kv, lo, hi, plen, depth);
}

/* A flatmap object ({"tags.%":"1","tags.Name":"x"}) as nested JSON. NULL on ENOMEM. */
static json_t *unflatten(const json_t *flat)
{
	flat_kv *kv = NULL;
	size_t n = json_object_size(flat), i = 0;
	const char *key;
	json_t *val, *out;

	if (n == 0)
		return json_object();
	kv = dm__calloc(n, sizeof(*kv));
	if (!kv)
		return NULL;
	json_object_foreach((json_t *)flat, key, val) {
		kv[i].key = key;
		kv[i].val = val;
		i++;
	}
	qsort(kv, n, sizeof(*kv), flat_kv_cmp);
	out = flat_object(kv, 0, n, 0, 0);
	free(kv);
	return out;
}

/* ---- adding one resource instance ---------------------------------------- */

typedef struct res_common {
	const char *type;
	const char *name;
	const char *module;   /* NULL for root */
	const char *provider; /* short name */
	int data;
} res_common;

/*
 * Queue one instance. attrs: a new reference (stolen, also on failure).
 * sensitive: new reference or NULL (stolen). id_v: JSON id (string/number) or NULL.
 * rc's strings must live as long as the parse (arena or document). The
 * address is in p->addr.
 */
static int add_instance(parser *p, const res_common *rc, json_t *attrs, json_t *sensitive,
			const json_t *id_v, unsigned flags)
{
	pending *e;
	const char *id;

	if (json_is_string(id_v) && json_string_length(id_v) > 0) {
		id = json_string_value(id_v);
	} else if (json_is_integer(id_v)) {
		snprintf(p->idbuf, sizeof(p->idbuf), "%lld", (long long)json_integer_value(id_v));
		id = p->idbuf;
	} else if (json_is_real(id_v)) {
		snprintf(p->idbuf, sizeof(p->idbuf), "%.17g", json_real_value(id_v));
		id = p->idbuf;
	} else {
		id = p->addr.ptr;
	}
	if (dm__grow((void **)&p->pend, &p->cappend, p->npend + 1, sizeof(*p->pend)) != 0)
		goto nomem;
	e = &p->pend[p->npend];
	memset(e, 0, sizeof(*e));
	e->r.provider = rc->provider;
	e->r.type = rc->type;
	e->r.name = rc->name;
	e->r.module = rc->module;
	e->r.address = dm__arena_strdup(p->arena, p->addr.ptr);
	e->r.id = id == p->addr.ptr ? e->r.address : dm__arena_strdup(p->arena, id);
	e->r.source_uri = p->uri;
	e->r.commit = p->commit;
	e->r.flags = flags | (rc->data ? (unsigned)DM_RES_DATA : 0u);
	if (!e->r.address || !e->r.id)
		goto nomem;
	e->r.attrs = attrs;
	e->r.sensitive = sensitive;
	p->npend++;
	if (!rc->data)
		p->managed++;
	return 0;
nomem:
	json_decref(attrs);
	json_decref(sensitive);
	return dm__error(p->ctx, DM_ENOMEM, "%s: out of memory while reading the state", p->uri);
}

/* Resource-level strings (type, name, module, provider) copied into the arena. */
static int res_intern(parser *p, res_common *rc)
{
	rc->type = dm__arena_strdup(p->arena, rc->type);
	rc->name = dm__arena_strdup(p->arena, rc->name);
	rc->module = dm__arena_strdup(p->arena, rc->module);
	rc->provider = dm__arena_strdup(p->arena, rc->provider);
	if (!rc->type || !rc->name || !rc->provider)
		return dm__error(p->ctx, DM_ENOMEM, "%s: out of memory while reading the state", p->uri);
	return 0;
}

/* Add every queued instance to the inventory (ownership of attrs moves there). */
static int commit_pending(parser *p)
{
	size_t i;
	int err = 0;

	for (i = 0; i < p->npend; i++) {
		pending *e = &p->pend[i];

		if (err == 0) {
			if (e->raw.p) {
				e->r.attrs = NULL;
				err = dm__inventory_add_lazy(p->into, &e->r, e->raw, NULL);
			} else {
				err = dm_inventory_add(p->into, &e->r, NULL);
			}
			if (err < 0)
				err = dm__error(p->ctx, err, "%s: cannot add %s to the inventory", p->uri,
						e->r.address);
		} else {
			json_decref(e->r.attrs);
			json_decref(e->r.sensitive);
		}
		e->r.attrs = e->r.sensitive = NULL;
		e->raw.p = NULL;
	}
	p->npend = 0;
	return err;
}

static int oom(parser *p)
{
	return dm__error(p->ctx, DM_ENOMEM, "%s: out of memory while reading the state", p->uri);
}

/* ---- version 4 ----------------------------------------------------------- */

static int validate_v4_resource(parser *p, size_t i, const json_t *r)
{
	size_t j;
	const json_t *mode, *mod, *insts, *inst;
	const char *type, *name;

	if (!json_is_object(r))
		return dm__error(p->ctx, DM_EPARSE, "%s: resources[%zu] is not an object", p->uri, i);
	type = str_or_null(r, "type");
	name = str_or_null(r, "name");
	if (!type || !*type || !name || !*name)
		return dm__error(p->ctx, DM_EPARSE, "%s: resources[%zu] has no \"type\" or \"name\" string",
				 p->uri, i);
	mode = json_object_get(r, "mode");
	if (!is_absent(mode) &&
	    (!json_is_string(mode) || (strcmp(json_string_value(mode), "managed") != 0 &&
				       strcmp(json_string_value(mode), "data") != 0)))
		return dm__error(p->ctx, DM_EPARSE, "%s: resources[%zu] (%s.%s) has an unknown \"mode\"", p->uri,
				 i, type, name);
	mod = json_object_get(r, "module");
	if (!is_absent(mod) && !json_is_string(mod))
		return dm__error(p->ctx, DM_EPARSE, "%s: resources[%zu] (%s.%s): \"module\" is not a string",
				 p->uri, i, type, name);
	insts = json_object_get(r, "instances");
	if (is_absent(insts))
		return 0;
	if (!json_is_array(insts))
		return dm__error(p->ctx, DM_EPARSE, "%s: resources[%zu] (%s.%s): \"instances\" is not an array",
				 p->uri, i, type, name);
	json_array_foreach(insts, j, inst) {
		const json_t *k, *a, *af, *dep, *st;

		if (!json_is_object(inst))
			return dm__error(p->ctx, DM_EPARSE,
					 "%s: resources[%zu] (%s.%s): instances[%zu] is not an object", p->uri, i,
					 type, name, j);
		k = json_object_get(inst, "index_key");
		a = json_object_get(inst, "attributes");
		af = json_object_get(inst, "attributes_flat");
		dep = json_object_get(inst, "deposed");
		st = json_object_get(inst, "status");
		if ((!is_absent(k) && !json_is_integer(k) && !json_is_string(k)) ||
		    (!is_absent(a) && !json_is_object(a)) || (!is_absent(af) && !json_is_object(af)) ||
		    (!is_absent(dep) && !json_is_string(dep)) || (!is_absent(st) && !json_is_string(st)))
			return dm__error(p->ctx, DM_EPARSE,
					 "%s: resources[%zu] (%s.%s): instances[%zu] has a malformed "
					 "index_key, attributes, deposed or status",
					 p->uri, i, type, name, j);
	}
	return 0;
}

static int validate_v4(parser *p, const json_t *resources)
{
	size_t i;
	const json_t *r;
	int err;

	if (is_absent(resources))
		return 0;
	if (!json_is_array(resources))
		return dm__error(p->ctx, DM_EPARSE, "%s: \"resources\" is not an array", p->uri);
	json_array_foreach(resources, i, r) {
		err = validate_v4_resource(p, i, r);
		if (err < 0)
			return err;
	}
	return 0;
}

/* One validated v4 resource: queue each of its instances. */
static int read_v4_resource(parser *p, const json_t *r)
{
	res_common rc;
	const json_t *insts = json_object_get(r, "instances");
	const json_t *inst;
	const char *mode = str_or_null(r, "mode");
	size_t base, j;
	int err = 0;

	if (json_array_size(insts) == 0)
		return 0;
	rc.type = str_or_null(r, "type");
	rc.name = str_or_null(r, "name");
	rc.module = str_or_null(r, "module");
	if (rc.module && !*rc.module)
		rc.module = NULL;
	rc.data = mode && strcmp(mode, "data") == 0;
	if (provider_short(&p->prov, str_or_null(r, "provider"), rc.type) != 0)
		return oom(p);
	rc.provider = p->prov.ptr;

	/* address without the instance key, shared by every instance */
	dm__buf_reset(&p->addr);
	if (rc.module)
		err = dm__buf_printf(&p->addr, "%s.", rc.module);
	if (err == 0 && rc.data)
		err = dm__buf_puts(&p->addr, "data.");
	if (err == 0)
		err = dm__buf_printf(&p->addr, "%s.%s", rc.type, rc.name);
	if (err != 0)
		return oom(p);
	base = p->addr.len;
	err = res_intern(p, &rc);
	if (err < 0)
		return err;

	json_array_foreach(insts, j, inst) {
		const json_t *key = json_object_get(inst, "index_key");
		const json_t *attrs = json_object_get(inst, "attributes");
		const json_t *flat = json_object_get(inst, "attributes_flat");
		const char *status = str_or_null(inst, "status");
		unsigned flags = 0;
		json_t *a = NULL, *sens;
		int nomem = 0;

		p->addr.len = base;
		p->addr.ptr[base] = '\0';
		if (!is_absent(key) && put_index_key(&p->addr, key) != 0)
			return oom(p);
		if (p->lazy && j < p->nlazy && p->lazy[j].p) {
			/* lazy path: attributes stay raw; only the id is read now */
			dm_jspan idspan;
			json_t *idv = NULL;
			if (dm__jspan_get(p->lazy[j], "id", &idspan)) {
				idv = dm__jspan_to_json(idspan);
				if (!idv)
					return oom(p);
			}
			sens = convert_sensitive(json_object_get(inst, "sensitive_attributes"), &nomem);
			if (nomem) {
				json_decref(idv);
				return oom(p);
			}
			if (status && strcmp(status, "tainted") == 0)
				flags |= DM_RES_TAINTED;
			if (json_is_string(json_object_get(inst, "deposed")))
				flags |= DM_RES_DEPOSED;
			err = add_instance(p, &rc, NULL, sens, idv, flags);
			json_decref(idv);
			if (err < 0)
				return err;
			p->pend[p->npend - 1].raw = p->lazy[j];
			continue;
		}
		if (json_is_object(attrs)) {
			a = json_incref((json_t *)attrs);
		} else if (json_is_object(flat)) {
			a = unflatten(flat);
			flags |= DM_RES_FLAT;
		} else {
			a = json_object();
		}
		if (!a)
			return oom(p);
		sens = convert_sensitive(json_object_get(inst, "sensitive_attributes"), &nomem);
		if (nomem) {
			json_decref(a);
			return oom(p);
		}
		if (status && strcmp(status, "tainted") == 0)
			flags |= DM_RES_TAINTED;
		if (json_is_string(json_object_get(inst, "deposed")))
			flags |= DM_RES_DEPOSED;
		err = add_instance(p, &rc, a, sens, json_object_get(a, "id"), flags);
		if (err < 0)
			return err;
	}
	return 0;
}

static int read_v4(parser *p, const json_t *resources)
{
	size_t i;
	const json_t *r;
	int err;

	if (is_absent(resources))
		return 0;
	json_array_foreach(resources, i, r) {
		err = read_v4_resource(p, r);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- version 3 ----------------------------------------------------------- */

/*
 * Split a v3 resource key ("aws_subnet.private.1", "data.aws_x.y") into
 * type/name/index. type_field (may be NULL) is the resource's "type".
 * Returns 0 or DM_EPARSE when the key has no name.
 */
static int v3_split_key(const char *key, const char *type_field, int *data,
			const char **type, size_t *typelen, const char **name, size_t *namelen,
			const char **idx, size_t *idxlen)
{
	const char *s = key;
	const char *dot;

	*data = 0;
	*idx = NULL;
	*idxlen = 0;
	if (strncmp(s, "data.", 5) == 0) {
		*data = 1;
		s += 5;
	}
	if (type_field && *type_field && strncmp(s, type_field, strlen(type_field)) == 0 &&
	    s[strlen(type_field)] == '.') {
		*type = type_field;
		*typelen = strlen(type_field);
		s += *typelen + 1;
	} else {
		dot = strchr(s, '.');
		if (!dot || dot == s)
			return DM_EPARSE;
		*type = s;
		*typelen = (size_t)(dot - s);
		s = dot + 1;
	}
	dot = strchr(s, '.');
	if (dot) {
		const char *q = dot + 1;

		*name = s;
		*namelen = (size_t)(dot - s);
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '\0' && q != dot + 1) {
			*idx = dot + 1;
			*idxlen = (size_t)(q - *idx);
		} else {
			/* not a count index: keep the rest as part of the name */
			*namelen = strlen(s);
		}
	} else {
		*name = s;
		*namelen = strlen(s);
	}
	return *namelen > 0 ? 0 : DM_EPARSE;
}

static int validate_v3_instance(parser *p, const char *key, const json_t *inst, const char *what)
{
	const json_t *a;

	if (is_absent(inst))
		return 0;
	a = json_object_get(inst, "attributes");
	if (!json_is_object(inst) || (!is_absent(a) && !json_is_object(a)))
		return dm__error(p->ctx, DM_EPARSE, "%s: resource \"%s\": malformed \"%s\" instance",
				 p->uri, key, what);
	return 0;
}

static int validate_v3(parser *p, const json_t *modules)
{
	size_t i, j;
	const json_t *m, *r, *seg;
	const char *key;

	if (is_absent(modules))
		return 0;
	if (!json_is_array(modules))
		return dm__error(p->ctx, DM_EPARSE, "%s: \"modules\" is not an array", p->uri);
	json_array_foreach(modules, i, m) {
		const json_t *path, *res;

		if (!json_is_object(m))
			return dm__error(p->ctx, DM_EPARSE, "%s: modules[%zu] is not an object", p->uri, i);
		path = json_object_get(m, "path");
		if (!is_absent(path) && !json_is_array(path))
			return dm__error(p->ctx, DM_EPARSE, "%s: modules[%zu]: \"path\" is not an array",
					 p->uri, i);
		json_array_foreach(path, j, seg) {
			if (!json_is_string(seg))
				return dm__error(p->ctx, DM_EPARSE,
						 "%s: modules[%zu]: \"path\" holds a non-string", p->uri, i);
		}
		res = json_object_get(m, "resources");
		if (is_absent(res))
			continue;
		if (!json_is_object(res))
			return dm__error(p->ctx, DM_EPARSE, "%s: modules[%zu]: \"resources\" is not an object",
					 p->uri, i);
		json_object_foreach((json_t *)res, key, r) {
			const json_t *dep, *d, *t;
			const char *ty, *nm, *ix;
			size_t tylen, nmlen, ixlen;
			int err, data;

			if (!json_is_object(r))
				return dm__error(p->ctx, DM_EPARSE, "%s: resource \"%s\" is not an object",
						 p->uri, key);
			t = json_object_get(r, "type");
			if (!is_absent(t) && !json_is_string(t))
				return dm__error(p->ctx, DM_EPARSE, "%s: resource \"%s\": \"type\" is not a string",
						 p->uri, key);
			if (v3_split_key(key, json_string_value(t), &data, &ty, &tylen, &nm, &nmlen,
					 &ix, &ixlen) != 0)
				return dm__error(p->ctx, DM_EPARSE,
						 "%s: resource key \"%s\" is not TYPE.NAME[.INDEX]", p->uri, key);
			err = validate_v3_instance(p, key, json_object_get(r, "primary"), "primary");
			if (err < 0)
				return err;
			dep = json_object_get(r, "deposed");
			if (is_absent(dep))
				continue;
			if (!json_is_array(dep))
				return dm__error(p->ctx, DM_EPARSE, "%s: resource \"%s\": \"deposed\" is not an array",
						 p->uri, key);
			json_array_foreach(dep, j, d) {
				err = validate_v3_instance(p, key, d, "deposed");
				if (err < 0)
					return err;
			}
		}
	}
	return 0;
}

/* One v3 instance ("primary" or an element of "deposed"). */
static int read_v3_instance(parser *p, const res_common *rc, const json_t *inst, unsigned flags)
{
	const json_t *attrs = json_object_get(inst, "attributes");
	const json_t *id_v = json_object_get(inst, "id");
	const json_t *t = json_object_get(inst, "tainted");
	json_t *a;

	a = json_is_object(attrs) ? unflatten(attrs) : json_object();
	if (!a)
		return oom(p);
	if (json_is_true(t))
		flags |= DM_RES_TAINTED;
	if (!json_is_string(id_v) || json_string_length(id_v) == 0)
		id_v = json_object_get(a, "id");
	return add_instance(p, rc, a, NULL, id_v, flags | DM_RES_FLAT);
}

static int read_v3(parser *p, const json_t *modules)
{
	size_t i, j;
	const json_t *m, *r, *seg, *d;
	const char *key;
	int err;

	if (is_absent(modules))
		return 0;
	json_array_foreach(modules, i, m) {
		const json_t *path = json_object_get(m, "path");
		const json_t *res = json_object_get(m, "resources");

		if (json_object_size(res) == 0)
			continue;
		dm__buf_reset(&p->mod);
		json_array_foreach(path, j, seg) {
			if (j == 0 && strcmp(json_string_value(seg), "root") == 0)
				continue;
			err = dm__buf_printf(&p->mod, "%smodule.%s", p->mod.len ? "." : "",
					     json_string_value(seg));
			if (err != 0)
				return oom(p);
		}
		json_object_foreach((json_t *)res, key, r) {
			res_common rc;
			const char *type, *name, *idx;
			size_t typelen, namelen, idxlen;
			const json_t *primary = json_object_get(r, "primary");
			const json_t *deposed = json_object_get(r, "deposed");
			char *type_s = NULL, *name_s = NULL;

			if (v3_split_key(key, str_or_null(r, "type"), &rc.data, &type, &typelen,
					 &name, &namelen, &idx, &idxlen) != 0)
				return dm__error(p->ctx, DM_EPARSE,
						 "%s: resource key \"%s\" is not TYPE.NAME[.INDEX]", p->uri, key);
			if (json_is_object(primary) == 0 && json_array_size(deposed) == 0)
				continue;
			type_s = dm__strndup(type, typelen);
			name_s = dm__strndup(name, namelen);
			if (!type_s || !name_s) {
				free(type_s);
				free(name_s);
				return oom(p);
			}
			rc.type = type_s;
			rc.name = name_s;
			rc.module = p->mod.len ? p->mod.ptr : NULL;
			err = provider_short(&p->prov, str_or_null(r, "provider"), rc.type);
			rc.provider = p->prov.ptr;
			dm__buf_reset(&p->addr);
			if (err == 0 && rc.module)
				err = dm__buf_printf(&p->addr, "%s.", rc.module);
			if (err == 0)
				err = dm__buf_printf(&p->addr, "%s%s.%s", rc.data ? "data." : "", type_s, name_s);
			if (err == 0 && idx)
				err = dm__buf_printf(&p->addr, "[%.*s]", (int)idxlen, idx);
			if (err != 0) {
				free(type_s);
				free(name_s);
				return oom(p);
			}
			err = res_intern(p, &rc);
			if (err == 0 && json_is_object(primary))
				err = read_v3_instance(p, &rc, primary, 0);
			json_array_foreach(deposed, j, d) {
				if (err < 0 || !json_is_object(d))
					break;
				err = read_v3_instance(p, &rc, d, DM_RES_DEPOSED);
			}
			free(type_s);
			free(name_s);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* ---- streaming v4 reader ------------------------------------------------------
 *
 * The fast path for a well-formed v4 document: a structural scan finds the
 * top-level members and each element of "resources"; every value is then
 * parsed by jansson on its own (so all of it is still validated by jansson),
 * and each resource's tree is released as soon as its attribute objects are
 * referenced. Real states hold about as many JSON values outside
 * "attributes" (dependencies, private, sensitive paths, identity, outputs)
 * as inside, so the peak memory — and on a VM, the page-fault time — drops
 * by up to half. Anything unexpected (bad JSON, another version) falls back to the whole-document path, which produces the
 * exact error messages (and so does a malformed resource, so that the
 * message never depends on the path taken).
 */

#define FAST_FALLBACK 1

static size_t skip_ws(const char *d, size_t n, size_t i)
{
	while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
		i++;
	return i;
}

/* d[i] == '"': index after the closing quote, 0 when unterminated. */
static size_t skip_string(const char *d, size_t n, size_t i)
{
	size_t start = i + 1;

	i = start;
	while (i < n) {
		const char *q = memchr(d + i, '"', n - i);
		size_t j, bs = 0;

		if (!q)
			return 0;
		j = (size_t)(q - d);
		while (j - bs > start && d[j - bs - 1] == '\\')
			bs++;
		if (bs % 2 == 0)
			return j + 1;
		i = j + 1;
	}
	return 0;
}

/* End of the value starting at d[i] (not validated: jansson does that). 0 on EOF. */
static size_t skip_value(const char *d, size_t n, size_t i)
{
	long depth = 0;

	if (i >= n)
		return 0;
	if (d[i] == '"')
		return skip_string(d, n, i);
	if (d[i] != '{' && d[i] != '[') {
		while (i < n && d[i] != ',' && d[i] != '}' && d[i] != ']' && d[i] != ' ' && d[i] != '\n' &&
		       d[i] != '\r' && d[i] != '\t')
			i++;
		return i;
	}
	for (; i < n; i++) {
		char c = d[i];

		if (c == '"') {
			size_t e = skip_string(d, n, i);

			if (!e)
				return 0;
			i = e - 1;
		} else if (c == '{' || c == '[') {
			/* deeper than jansson's own limit (2048) with room for the 2
			 * levels around a resource: leave it to the whole-document path */
			if (++depth > 2040)
				return 0;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

typedef struct top_fields {
	json_t *version, *serial, *lineage, *tfver;
	size_t res_start, res_end;
	int has_res;
} top_fields;

static void top_fields_free(top_fields *t)
{
	json_decref(t->version);
	json_decref(t->serial);
	json_decref(t->lineage);
	json_decref(t->tfver);
	memset(t, 0, sizeof(*t));
}

static int key_is(const char *k, size_t kl, const char *name)
{
	return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

/* Scan the top-level object; every member but "resources" is parsed (validated) now. */
static int scan_top(const char *d, size_t n, top_fields *t)
{
	size_t i = skip_ws(d, n, 0);

	if (i >= n || d[i] != '{')
		return FAST_FALLBACK;
	i = skip_ws(d, n, i + 1);
	if (i < n && d[i] == '}')
		return skip_ws(d, n, i + 1) == n ? 0 : FAST_FALLBACK;
	for (;;) {
		size_t kend, kl, vend;
		const char *ks;
		json_t *v, *key = NULL, **slot = NULL;
		int rc = 0;

		if (i >= n || d[i] != '"')
			return FAST_FALLBACK;
		kend = skip_string(d, n, i);
		if (!kend)
			return FAST_FALLBACK;
		/* keys are few: let jansson decode and validate each one */
		key = json_loadb(d + i, kend - i, JSON_DECODE_ANY, NULL);
		if (!json_is_string(key)) {
			json_decref(key);
			return FAST_FALLBACK;
		}
		ks = json_string_value(key);
		kl = json_string_length(key);
		i = skip_ws(d, n, kend);
		if (i >= n || d[i] != ':') {
			json_decref(key);
			return FAST_FALLBACK;
		}
		i = skip_ws(d, n, i + 1);
		vend = skip_value(d, n, i);
		if (!vend || vend == i) {
			rc = FAST_FALLBACK;
		} else if (key_is(ks, kl, "resources")) {
			/*
			 * Only the value read is validated: with a second
			 * "resources" the first would never be (a broken file
			 * must not read as an empty state).
			 */
			if (t->has_res)
				rc = FAST_FALLBACK;
			t->res_start = i;
			t->res_end = vend;
			t->has_res = 1;
		} else {
			v = json_loadb(d + i, vend - i, JSON_DECODE_ANY, NULL);
			if (!v)
				rc = FAST_FALLBACK;
			else if (key_is(ks, kl, "version"))
				slot = &t->version;
			else if (key_is(ks, kl, "serial"))
				slot = &t->serial;
			else if (key_is(ks, kl, "lineage"))
				slot = &t->lineage;
			else if (key_is(ks, kl, "terraform_version"))
				slot = &t->tfver;
			if (slot) {
				json_decref(*slot);
				*slot = v;
			} else {
				json_decref(v);
			}
		}
		json_decref(key);
		if (rc != 0)
			return rc;
		i = skip_ws(d, n, vend);
		if (i < n && d[i] == ',') {
			i = skip_ws(d, n, i + 1);
			continue;
		}
		if (i < n && d[i] == '}')
			break;
		return FAST_FALLBACK;
	}
	return skip_ws(d, n, i + 1) == n ? 0 : FAST_FALLBACK;
}

static int read_v4_stream(parser *p, const char *d, const top_fields *t)
{
	size_t n = t->res_end, i = t->res_start, idx;
	int err;

	if (!t->has_res)
		return 0;
	if (d[i] != '[')
		return FAST_FALLBACK;
	i = skip_ws(d, n, i + 1);
	if (i < n && d[i] == ']')
		return i + 1 == n ? 0 : FAST_FALLBACK;
	for (idx = 0;; idx++) {
		size_t e = skip_value(d, n, i);
		json_t *r;

		if (!e || e == i)
			return FAST_FALLBACK;
		r = json_loadb(d + i, e - i, JSON_DECODE_ANY, NULL);
		if (!r)
			return FAST_FALLBACK;
		err = validate_v4_resource(p, idx, r);
		if (err == 0)
			err = read_v4_resource(p, r);
		json_decref(r);
		if (err < 0)
			return err;
		i = skip_ws(d, n, e);
		if (i < n && d[i] == ',') {
			i = skip_ws(d, n, i + 1);
			continue;
		}
		if (i < n && d[i] == ']' && i + 1 == n)
			return 0;
		return FAST_FALLBACK;
	}
}

/* ---- lazy v4 path ----------------------------------------------------------- */

/*
 * The fastest path, for big states: one strict scan of the whole document
 * (dm__jdoc_parse), then per resource a small jansson "shell" holding every
 * member except the instances' attributes, which stay raw text in the
 * document until a comparison reads them. The document buffer is handed to
 * the inventory. Returns 0, DM_ENOMEM, or FAST_FALLBACK when anything is
 * unusual (the other paths then read the file and word the errors).
 */
static json_t *instance_shell(dm_jspan inst, dm_jspan *attrs)
{
	json_t *o = json_object();
	dm_jiter it;
	dm_jspan k, v;

	attrs->p = NULL;
	if (!o)
		return NULL;
	dm__jiter_init(&it, inst);
	while (dm__jiter_member(&it, &k, &v)) {
		json_t *c;
		char *key;
		if (dm__jspan_streq(k, "attributes") && dm__jspan_type(v) == DM_J_OBJECT) {
			*attrs = v;
			continue;
		}
		if (dm__jspan_streq(k, "private") || dm__jspan_streq(k, "dependencies"))
			continue; /* opaque or unused: not materialised */
		key = dm__jspan_strdup(k);
		c = key ? dm__jspan_to_json(v) : NULL;
		if (!c || json_object_set_new(o, key, c) < 0) {
			free(key);
			json_decref(o);
			return NULL;
		}
		free(key);
	}
	return o;
}

static int read_v4_lazy_resource(parser *p, size_t idx, dm_jspan r, dm_jspan **spans, size_t *cap)
{
	json_t *shell = NULL, *insts = NULL;
	dm_jiter it;
	dm_jspan k, v;
	size_t n = 0;
	int err = 0;

	if (dm__jspan_type(r) != DM_J_OBJECT)
		return FAST_FALLBACK;
	shell = json_object();
	if (!shell)
		return DM_ENOMEM;
	dm__jiter_init(&it, r);
	while (dm__jiter_member(&it, &k, &v)) {
		json_t *c;
		char *key;
		if (dm__jspan_streq(k, "instances") && dm__jspan_type(v) == DM_J_ARRAY) {
			dm_jiter ii;
			dm_jspan inst;
			insts = json_array();
			if (!insts)
				goto nomem;
			dm__jiter_init(&ii, v);
			while (dm__jiter_element(&ii, &inst)) {
				json_t *sh;
				if (dm__jspan_type(inst) != DM_J_OBJECT) {
					err = FAST_FALLBACK;
					goto done;
				}
				if (dm__grow((void **)spans, cap, n + 1, sizeof(**spans)) < 0)
					goto nomem;
				sh = instance_shell(inst, &(*spans)[n]);
				if (!sh || json_array_append_new(insts, sh) < 0)
					goto nomem;
				n++;
			}
			if (json_object_set_new(shell, "instances", insts) < 0) {
				insts = NULL;
				goto nomem;
			}
			insts = NULL;
			continue;
		}
		key = dm__jspan_strdup(k);
		c = key ? dm__jspan_to_json(v) : NULL;
		if (!c || json_object_set_new(shell, key, c) < 0) {
			free(key);
			goto nomem;
		}
		free(key);
	}
	err = validate_v4_resource(p, idx, shell);
	if (err < 0) {
		dm_ctx_clear_error(p->ctx);
		err = FAST_FALLBACK;
		goto done;
	}
	p->lazy = *spans;
	p->nlazy = n;
	err = read_v4_resource(p, shell);
	p->lazy = NULL;
	p->nlazy = 0;
	goto done;
nomem:
	err = DM_ENOMEM;
done:
	json_decref(insts);
	json_decref(shell);
	return err;
}

/*
 * The lazy v4 path. With copy set the document is copied (the caller's data
 * is only borrowed); otherwise the resources point into data itself, which
 * the caller hands to the inventory.
 */
static int read_v4_lazy(parser *p, const char *data, size_t len, int copy, dm_source_info *info,
			char **out_buf, dm_jdoc **out_doc)
{
	char *buf = NULL;
	dm_jdoc *doc = NULL;
	dm_jspan root, v, res, r;
	dm_jspan *spans = NULL;
	size_t capspans = 0, idx = 0;
	dm_jiter it;
	int err = FAST_FALLBACK;

	*out_buf = NULL;
	*out_doc = NULL;
	buf = copy ? malloc(len ? len : 1) : NULL;
	doc = dm__calloc(1, sizeof(*doc));
	if ((copy && !buf) || !doc) {
		err = DM_ENOMEM;
		goto done;
	}
	if (copy)
		memcpy(buf, data, len);
	if (dm__jdoc_parse(doc, copy ? buf : data, len, NULL, NULL) != 0)
		goto done;
	root = dm__jdoc_root(doc);
	if (dm__jspan_type(root) != DM_J_OBJECT || !dm__jspan_get(root, "version", &v) ||
	    v.len != 1 || v.p[0] != '4')
		goto done;
	if (dm__jspan_get(root, "resources", &res)) {
		if (dm__jspan_type(res) == DM_J_NULL)
			res.p = NULL;
		else if (dm__jspan_type(res) != DM_J_ARRAY)
			goto done;
	} else {
		res.p = NULL;
	}
	if (res.p) {
		/* room for one instance per resource up front: no copying regrowth on 100k states */
		size_t nres = 0;
		dm__jiter_init(&it, res);
		while (dm__jiter_element(&it, &r))
			nres++;
		if (dm__grow((void **)&p->pend, &p->cappend, p->npend + nres, sizeof(*p->pend)) != 0) {
			err = DM_ENOMEM;
			goto done;
		}
		dm__jiter_init(&it, res);
		while (dm__jiter_element(&it, &r)) {
			err = read_v4_lazy_resource(p, idx++, r, &spans, &capspans);
			if (err != 0)
				goto done;
		}
	}
	if (dm__jspan_get(root, "serial", &v) && dm__jspan_type(v) == DM_J_NUMBER) {
		json_t *j = dm__jspan_to_json(v);
		info->serial = json_is_integer(j) ? (long long)json_integer_value(j) : 0;
		json_decref(j);
	}
	if (dm__jspan_get(root, "lineage", &v))
		info->lineage = dm__jspan_arena_str(p->arena, v);
	if (dm__jspan_get(root, "terraform_version", &v))
		info->terraform_version = dm__jspan_arena_str(p->arena, v);
	err = 0;
	*out_buf = buf;
	*out_doc = doc;
	buf = NULL;
	doc = NULL;
done:
	free(spans);
	free(buf);
	if (doc) {
		dm__jdoc_free(doc);
		free(doc);
	}
	return err;
}

/* ---- entry point ----------------------------------------------------------- */

static void discard_pending(parser *p)
{
	size_t i;

	for (i = 0; i < p->npend; i++) {
		json_decref(p->pend[i].r.attrs);
		json_decref(p->pend[i].r.sensitive);
	}
	p->npend = 0;
	p->managed = 0;
}

/* Whole-document path: v3, v4, and every error message. */
static int parse_whole(parser *p, const char *data, size_t len, dm_source_info *info, json_t **rootp)
{
	json_error_t jerr;
	const json_t *ver;
	long long version;
	json_t *root;
	int rc;

	root = *rootp = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
	if (!root)
		return dm__error(p->ctx, DM_EPARSE, "%s: not valid JSON (line %d, column %d): %s", p->uri,
				 jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root))
		return dm__error(p->ctx, DM_EPARSE,
				 "%s: not a Terraform state (the JSON document is not an object)", p->uri);
	ver = json_object_get(root, "version");
	if (!json_is_integer(ver))
		return dm__error(p->ctx, DM_EPARSE, "%s: not a Terraform state (no integer \"version\" field)",
				 p->uri);
	version = (long long)json_integer_value(ver);
	if (version != 3 && version != 4)
		return dm__error(p->ctx, DM_EVERSION,
				 "%s: unsupported Terraform state format version %lld (driftmap reads versions 3 and 4)",
				 p->uri, version);
	if (version == 4) {
		const json_t *res = json_object_get(root, "resources");

		rc = validate_v4(p, res);
		if (rc == 0)
			rc = read_v4(p, res);
	} else {
		const json_t *mods = json_object_get(root, "modules");

		rc = validate_v3(p, mods);
		if (rc == 0)
			rc = read_v3(p, mods);
	}
	if (rc < 0)
		return rc;
	info->serial = json_is_integer(json_object_get(root, "serial"))
		? (long long)json_integer_value(json_object_get(root, "serial")) : 0;
	info->lineage = str_or_null(root, "lineage");
	info->terraform_version = str_or_null(root, "terraform_version");
	return 0;
}

/* owned: the bytes of data, handed to the inventory when resources point into them. */
static int parse_state(dm_inventory *into, dm_ctx *ctx, const char *data, size_t len,
		       const char *uri, const char *commit, int whole_only, dm_blob *owned)
{
	parser p;
	json_t *root = NULL;
	top_fields top;
	dm_source_info info;
	size_t k;
	int rc = 0, fast = 0;
	char *lazy_buf = NULL;
	dm_jdoc *lazy_doc = NULL;

	if (!ctx)
		return DM_EINVAL;
	if (!into || (!data && len > 0))
		return dm__error(ctx, DM_EINVAL, "dm_state_parse: no inventory or data");
	if (!uri)
		uri = "(state)";
	memset(&p, 0, sizeof(p));
	memset(&top, 0, sizeof(top));
	memset(&info, 0, sizeof(info));
	p.into = into;
	p.ctx = ctx;
	p.uri = uri;
	p.commit = commit;
	dm__buf_init(&p.addr, 1u << 20);
	dm__buf_init(&p.prov, 4096);
	dm__buf_init(&p.mod, 1u << 16);
	if (dm__arena_new(&p.arena) != 0) {
		rc = oom(&p);
		goto done;
	}

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	for (k = 0; k < len; k++)
		if (data[k] != ' ' && data[k] != '\t' && data[k] != '\r' && data[k] != '\n')
			break;
	if (k == len) {
		rc = dm__error(ctx, DM_EPARSE, "%s: empty state file", uri);
		goto done;
	}

	if (!whole_only) {
		rc = read_v4_lazy(&p, data, len, owned == NULL, &info, &lazy_buf, &lazy_doc);
		if (rc == 0)
			fast = 1;
		else if (rc == DM_ENOMEM)
			goto done;
		else
			discard_pending(&p);
	}
	if (!fast && !whole_only && scan_top(data, len, &top) == 0 && json_is_integer(top.version) &&
	    json_integer_value(top.version) == 4) {
		rc = read_v4_stream(&p, data, &top);
		if (rc == 0) {
			fast = 1;
			info.serial = json_is_integer(top.serial) ? (long long)json_integer_value(top.serial) : 0;
			info.lineage = json_string_value(top.lineage);
			info.terraform_version = json_string_value(top.tfver);
		} else if (rc == DM_ENOMEM) {
			goto done;
		}
		/*
		 * Any other failure (a malformed resource) is reported by the
		 * whole-document path, so that a file with both a bad resource and
		 * a JSON syntax error further on gets the same message either way.
		 */
	}
	if (!fast) {
		discard_pending(&p);
		rc = parse_whole(&p, data, len, &info, &root);
		if (rc < 0)
			goto done;
	}
	info.uri = uri;
	info.commit = commit;
	info.resources = p.managed;
	if (lazy_doc) {
		/* the inventory owns the document the lazy resources point into */
		dm_blob copy;
		dm__blob_from_heap(&copy, lazy_buf, len);
		rc = dm__inventory_adopt(into, lazy_buf ? &copy : owned, lazy_doc);
		if (rc < 0) {
			rc = oom(&p);
			goto done;
		}
		lazy_buf = NULL;
		lazy_doc = NULL;
	}
	rc = commit_pending(&p);
	if (rc < 0)
		goto done;
	rc = dm_inventory_add_source(into, &info);
	if (rc < 0)
		rc = dm__error(ctx, rc, "%s: cannot record the state source", uri);
done:
	discard_pending(&p);
	free(p.pend);
	free(lazy_buf);
	if (lazy_doc) {
		dm__jdoc_free(lazy_doc);
		free(lazy_doc);
	}
	dm__arena_free(p.arena);
	top_fields_free(&top);
	json_decref(root);
	dm__buf_free(&p.addr);
	dm__buf_free(&p.prov);
	dm__buf_free(&p.mod);
	return rc;
}

int dm__state_parse_mode(dm_inventory *into, dm_ctx *ctx, const char *data, size_t len,
			 const char *uri, const char *commit, int whole_only)
{
	return parse_state(into, ctx, data, len, uri, commit, whole_only, NULL);
}

int dm__state_parse_blob(dm_inventory *into, dm_ctx *ctx, dm_blob *b, const char *uri,
			 const char *commit)
{
	return parse_state(into, ctx, b->data, b->len, uri, commit, 0, b);
}

int dm_state_parse(dm_inventory *into, dm_ctx *ctx, const char *data, size_t len,
		   const char *uri, const char *commit)
{
	return dm__state_parse_mode(into, ctx, data, len, uri, commit, 0);
}
