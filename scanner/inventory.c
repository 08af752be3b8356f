/*
 * driftmap — the inventory: resources (hash-mapped by provider/type/id),
 * enumeration scopes and state sources, plus the driftmap.inventory/v1
 * JSON form.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

#define INVENTORY_SCHEMA "driftmap.inventory/v1"

struct res_node {
	dm_resource r;           /* first member: dm_resource* <-> res_node* */
	struct res_node *next_same;
	const char *mapkey;
	dm_jspan raw;            /* raw attributes (lazy resources), raw.p NULL otherwise */
	json_t *partial;         /* attributes materialised one by one (lazy resources) */
};

struct adopted {
	dm_blob buf;
	dm_jdoc *doc;
};

struct dm_inventory {
	dm_arena *arena;
	struct res_node **res;
	size_t nres, capres;
	dm_strmap *byid;         /* "provider\x1ftype\x1fid" -> first res_node */
	dm_scope *scopes;
	size_t nscopes, capscopes;
	dm_source_info *sources;
	size_t nsources, capsources;
	struct adopted *docs;
	size_t ndocs, capdocs;
};

int dm_inventory_new(dm_inventory **out)
{
	dm_inventory *inv = NULL;

	*out = NULL;
	inv = dm__calloc(1, sizeof(*inv));
	if (!inv)
		return DM_ENOMEM;
	if (dm__arena_new(&inv->arena) < 0 || dm__strmap_new(&inv->byid, 64) < 0) {
		dm_inventory_free(inv);
		return DM_ENOMEM;
	}
	*out = inv;
	return 0;
}

void dm_inventory_free(dm_inventory *inv)
{
	size_t i;

	if (!inv)
		return;
	for (i = 0; i < inv->nres; i++) {
		json_decref(inv->res[i]->r.attrs);
		json_decref(inv->res[i]->r.sensitive);
		json_decref(inv->res[i]->partial);
	}
	for (i = 0; i < inv->ndocs; i++) {
		dm__blob_free(&inv->docs[i].buf);
		dm__jdoc_free(inv->docs[i].doc);
		free(inv->docs[i].doc);
	}
	free(inv->docs);
	free(inv->res);
	free(inv->scopes);
	free(inv->sources);
	dm__strmap_free(inv->byid);
	dm__arena_free(inv->arena);
	free(inv);
}

const char *dm_inventory_intern(dm_inventory *inv, const char *s)
{
	return dm__arena_strdup(inv->arena, s);
}

static const char *make_mapkey(dm_arena *a, const char *provider, const char *type,
			       const char *id)
{
	size_t lp = strlen(provider), lt = strlen(type), li = strlen(id);
	char *k = dm__arena_alloc(a, lp + lt + li + 3);

	if (!k)
		return NULL;
	memcpy(k, provider, lp);
	k[lp] = '\x1f';
	memcpy(k + lp + 1, type, lt);
	k[lp + 1 + lt] = '\x1f';
	memcpy(k + lp + lt + 2, id, li);
	k[lp + lt + li + 2] = '\0';
	return k;
}

int dm_inventory_add(dm_inventory *inv, const dm_resource *tmpl, dm_resource **out)
{
	struct res_node *n = NULL, *head;
	dm_arena *a = inv->arena;
	json_t *attrs = tmpl->attrs, *sens = tmpl->sensitive;

	if (out)
		*out = NULL;
	if (!tmpl->provider || !tmpl->type || !tmpl->id) {
		json_decref(attrs);
		json_decref(sens);
		return DM_EINVAL;
	}
	if (dm__grow((void **)&inv->res, &inv->capres, inv->nres + 1, sizeof(*inv->res)) < 0)
		goto nomem;
	n = dm__arena_alloc(a, sizeof(*n));
	if (!n)
		goto nomem;
	n->r.provider = dm__arena_strdup(a, tmpl->provider);
	n->r.type = dm__arena_strdup(a, tmpl->type);
	n->r.id = dm__arena_strdup(a, tmpl->id);
	n->r.account = dm__arena_strdup(a, tmpl->account);
	n->r.region = dm__arena_strdup(a, tmpl->region);
	n->r.address = dm__arena_strdup(a, tmpl->address);
	n->r.source_uri = dm__arena_strdup(a, tmpl->source_uri);
	n->r.commit = dm__arena_strdup(a, tmpl->commit);
	n->r.name = dm__arena_strdup(a, tmpl->name);
	n->r.module = dm__arena_strdup(a, tmpl->module);
	n->r.flags = tmpl->flags;
	n->mapkey = make_mapkey(a, tmpl->provider, tmpl->type, tmpl->id);
	if (!n->r.provider || !n->r.type || !n->r.id || !n->mapkey)
		goto nomem;
	n->r.attrs = attrs ? attrs : json_object();
	n->r.sensitive = sens;
	attrs = sens = NULL;
	if (!n->r.attrs)
		goto nomem;
	head = dm__strmap_get(inv->byid, n->mapkey);
	if (head) {
		while (head->next_same)
			head = head->next_same;
		head->next_same = n;
	} else if (dm__strmap_put(inv->byid, n->mapkey, n) < 0) {
		json_decref(n->r.attrs);
		json_decref(n->r.sensitive);
		return DM_ENOMEM;
	}
	inv->res[inv->nres++] = n;
	if (out)
		*out = &n->r;
	return 0;
nomem:
	json_decref(attrs);
	json_decref(sens);
	return DM_ENOMEM;
}

int dm__inventory_adopt(dm_inventory *inv, dm_blob *buf, dm_jdoc *doc)
{
	if (dm__grow((void **)&inv->docs, &inv->capdocs, inv->ndocs + 1, sizeof(*inv->docs)) < 0)
		return DM_ENOMEM;
	inv->docs[inv->ndocs].buf = *buf;
	inv->docs[inv->ndocs].doc = doc;
	inv->ndocs++;
	memset(buf, 0, sizeof(*buf));
	return 0;
}

int dm__inventory_add_lazy(dm_inventory *inv, const dm_resource *tmpl, dm_jspan attrs,
			   dm_resource **out)
{
	dm_resource t = *tmpl;
	dm_resource *r = NULL;
	int rc;

	t.attrs = json_null(); /* placeholder, replaced below */
	rc = dm_inventory_add(inv, &t, &r);
	if (rc < 0)
		return rc;
	r->attrs = NULL;
	((struct res_node *)r)->raw = attrs;
	if (out)
		*out = r;
	return 0;
}

json_t *dm_resource_attrs(const dm_resource *r)
{
	struct res_node *n = (struct res_node *)r;

	if (!r)
		return NULL;
	if (!r->attrs && n->raw.p) {
		json_t *full = dm__jspan_to_json(n->raw);
		if (!full || !json_is_object(full)) {
			json_decref(full);
			return NULL;
		}
		n->r.attrs = full;
	}
	return r->attrs;
}

json_t *dm_resource_attr(const dm_resource *r, const char *name)
{
	struct res_node *n = (struct res_node *)r;
	dm_jspan v;
	json_t *j;

	if (!r || !name)
		return NULL;
	if (r->attrs || !n->raw.p)
		return json_object_get(r->attrs, name);
	j = json_object_get(n->partial, name);
	if (j)
		return j;
	if (!dm__jspan_get(n->raw, name, &v))
		return NULL;
	if (!n->partial) {
		n->partial = json_object();
		if (!n->partial)
			return NULL;
	}
	j = dm__jspan_to_json(v);
	if (!j || json_object_set_new(n->partial, name, j) < 0)
		return NULL;
	return j;
}

int dm__resource_nonnull_keys(const dm_resource *r, int (*fn)(const char *key, void *ud), void *ud)
{
	const struct res_node *n = (const struct res_node *)r;
	const char *key;
	json_t *val;
	dm_jiter it;
	dm_jspan k, v;
	int rc;

	if (r->attrs || !n->raw.p) {
		json_object_foreach(r->attrs, key, val) {
			if (!json_is_null(val) && (rc = fn(key, ud)) != 0)
				return rc;
		}
		return 0;
	}
	dm__jiter_init(&it, n->raw);
	while (dm__jiter_member(&it, &k, &v)) {
		char buf[256], *heap = NULL;
		const char *name = buf;
		if (dm__jspan_type(v) == DM_J_NULL)
			continue;
		if (k.len - 2 < sizeof(buf) && !memchr(k.p, '\\', k.len)) {
			memcpy(buf, k.p + 1, k.len - 2);
			buf[k.len - 2] = '\0';
		} else {
			heap = dm__jspan_strdup(k);
			if (!heap)
				return DM_ENOMEM;
			name = heap;
		}
		rc = fn(name, ud);
		free(heap);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *dm__jspan_arena_str(dm_arena *a, dm_jspan str)
{
	char *tmp;
	const char *r;

	if (dm__jspan_type(str) != DM_J_STRING)
		return NULL;
	if (!memchr(str.p, '\\', str.len))
		return dm__arena_strndup(a, str.p + 1, str.len - 2);
	tmp = dm__jspan_strdup(str);
	r = tmp ? dm__arena_strdup(a, tmp) : NULL;
	free(tmp);
	return r;
}

int dm__resource_raw(const dm_resource *r, dm_jspan *out)
{
	const struct res_node *n = (const struct res_node *)r;

	if (!r || r->attrs || !n->raw.p)
		return 0;
	*out = n->raw;
	return 1;
}

int dm_inventory_materialize(const dm_inventory *inv)
{
	size_t i;

	for (i = 0; inv && i < inv->nres; i++) {
		if (!dm_resource_attrs(&inv->res[i]->r))
			return DM_ENOMEM;
	}
	return 0;
}

int dm__raw_keys_equal(const dm_resource *s, const dm_resource *l, const char *const *keys,
		       size_t n)
{
	dm_jspan rs, rl, vs[80], vl[80];
	unsigned char fs[80], fl[80];
	size_t i;

	if (n > 80 || !dm__resource_raw(s, &rs) || !dm__resource_raw(l, &rl))
		return 0;
	dm__jspan_get_many(rs, keys, n, vs, fs);
	dm__jspan_get_many(rl, keys, n, vl, fl);
	for (i = 0; i < n; i++) {
		if (fs[i] != fl[i])
			return 0;
		if (fs[i] && !dm__jspan_text_equal(vs[i], vl[i]))
			return 0;
	}
	return 1;
}

int dm_resource_attr_text_equal(const dm_resource *a, const dm_resource *b, const char *name)
{
	return name && dm__raw_keys_equal(a, b, &name, 1);
}

size_t dm_inventory_count(const dm_inventory *inv)
{
	return inv ? inv->nres : 0;
}

dm_resource *dm_inventory_at(const dm_inventory *inv, size_t i)
{
	return inv && i < inv->nres ? &inv->res[i]->r : NULL;
}

dm_resource *dm_inventory_find(const dm_inventory *inv, const char *provider, const char *type,
			       const char *id)
{
	char stackkey[512];
	size_t lp, lt, li;
	struct res_node *n;

	if (!inv || !provider || !type || !id)
		return NULL;
	lp = strlen(provider);
	lt = strlen(type);
	li = strlen(id);
	if (lp + lt + li + 3 <= sizeof(stackkey)) {
		memcpy(stackkey, provider, lp);
		stackkey[lp] = '\x1f';
		memcpy(stackkey + lp + 1, type, lt);
		stackkey[lp + 1 + lt] = '\x1f';
		memcpy(stackkey + lp + lt + 2, id, li + 1);
		n = dm__strmap_get(inv->byid, stackkey);
	} else {
		dm_buf b = DM_BUF_INIT;
		if (dm__buf_printf(&b, "%s\x1f%s\x1f%s", provider, type, id) < 0)
			return NULL;
		n = dm__strmap_get(inv->byid, b.ptr);
		dm__buf_free(&b);
	}
	return n ? &n->r : NULL;
}

dm_resource *dm_inventory_find_next(const dm_inventory *inv, const dm_resource *r)
{
	const struct res_node *n = (const struct res_node *)r;

	(void)inv;
	return n && n->next_same ? &n->next_same->r : NULL;
}

int dm_inventory_add_scope(dm_inventory *inv, const dm_scope *s)
{
	dm_scope *d;
	const char **types = NULL;
	size_t i;

	if (dm__grow((void **)&inv->scopes, &inv->capscopes, inv->nscopes + 1, sizeof(dm_scope)) < 0)
		return DM_ENOMEM;
	if (s->ntypes) {
		types = dm__arena_alloc(inv->arena, s->ntypes * sizeof(char *));
		if (!types)
			return DM_ENOMEM;
		for (i = 0; i < s->ntypes; i++) {
			types[i] = dm__arena_strdup(inv->arena, s->types[i]);
			if (!types[i])
				return DM_ENOMEM;
		}
	}
	d = &inv->scopes[inv->nscopes];
	memset(d, 0, sizeof(*d));
	d->provider = dm__arena_strdup(inv->arena, s->provider ? s->provider : "");
	d->account = dm__arena_strdup(inv->arena, s->account ? s->account : "");
	d->region = dm__arena_strdup(inv->arena, s->region ? s->region : "");
	d->api = dm__arena_strdup(inv->arena, s->api ? s->api : "");
	d->error = dm__arena_strdup(inv->arena, s->error);
	d->types = types;
	d->ntypes = s->ntypes;
	d->complete = s->complete ? 1 : 0;
	d->api_calls = s->api_calls;
	if (!d->provider || !d->account || !d->region || !d->api || (s->error && !d->error))
		return DM_ENOMEM;
	inv->nscopes++;
	return 0;
}

size_t dm_inventory_scope_count(const dm_inventory *inv)
{
	return inv ? inv->nscopes : 0;
}

const dm_scope *dm_inventory_scope_at(const dm_inventory *inv, size_t i)
{
	return inv && i < inv->nscopes ? &inv->scopes[i] : NULL;
}

int dm_inventory_type_complete(const dm_inventory *inv, const char *provider, const char *account,
			       const char *region, const char *type)
{
	size_t i, j;
	int covered = 0;

	for (i = 0; inv && i < inv->nscopes; i++) {
		const dm_scope *s = &inv->scopes[i];
		if (provider && strcmp(s->provider, provider) != 0)
			continue;
		if (account && *s->account && strcmp(s->account, account) != 0)
			continue;
		if (region && *s->region && strcmp(s->region, region) != 0)
			continue;
		for (j = 0; j < s->ntypes; j++) {
			if (strcmp(s->types[j], type) == 0)
				break;
		}
		if (j == s->ntypes)
			continue;
		if (!s->complete)
			return 0;
		covered = 1;
	}
	return covered ? 1 : -1;
}

int dm_inventory_add_source(dm_inventory *inv, const dm_source_info *src)
{
	dm_source_info *d;

	if (dm__grow((void **)&inv->sources, &inv->capsources, inv->nsources + 1,
		     sizeof(dm_source_info)) < 0)
		return DM_ENOMEM;
	d = &inv->sources[inv->nsources];
	memset(d, 0, sizeof(*d));
	d->uri = dm__arena_strdup(inv->arena, src->uri ? src->uri : "");
	d->commit = dm__arena_strdup(inv->arena, src->commit);
	d->lineage = dm__arena_strdup(inv->arena, src->lineage);
	d->terraform_version = dm__arena_strdup(inv->arena, src->terraform_version);
	d->serial = src->serial;
	d->resources = src->resources;
	if (!d->uri)
		return DM_ENOMEM;
	inv->nsources++;
	return 0;
}

size_t dm_inventory_source_count(const dm_inventory *inv)
{
	return inv ? inv->nsources : 0;
}

const dm_source_info *dm_inventory_source_at(const dm_inventory *inv, size_t i)
{
	return inv && i < inv->nsources ? &inv->sources[i] : NULL;
}

int dm_inventory_merge(dm_inventory *dst, dm_inventory *src)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < src->ndocs && rc == 0; i++) {
		rc = dm__inventory_adopt(dst, &src->docs[i].buf, src->docs[i].doc);
		if (rc == 0)
			src->docs[i].doc = NULL;
	}
	for (i = 0; i < src->nres && rc == 0; i++) {
		struct res_node *sn = src->res[i];
		dm_resource t = sn->r;
		dm_resource *added = NULL;
		if (!t.attrs && sn->raw.p) {
			t.sensitive = sn->r.sensitive;
			sn->r.sensitive = NULL;
			t.attrs = NULL;
			rc = dm__inventory_add_lazy(dst, &t, sn->raw, &added);
			if (rc == 0 && sn->partial) {
				((struct res_node *)added)->partial = sn->partial;
				sn->partial = NULL;
			}
			continue;
		}
		sn->r.attrs = NULL;
		sn->r.sensitive = NULL;
		rc = dm_inventory_add(dst, &t, NULL);
	}
	for (i = 0; i < src->nscopes && rc == 0; i++)
		rc = dm_inventory_add_scope(dst, &src->scopes[i]);
	for (i = 0; i < src->nsources && rc == 0; i++)
		rc = dm_inventory_add_source(dst, &src->sources[i]);
	/* empty src (its arena memory stays until it is freed) */
	for (i = 0; i < src->nres; i++) {
		json_decref(src->res[i]->r.attrs);
		json_decref(src->res[i]->r.sensitive);
		json_decref(src->res[i]->partial);
		src->res[i]->r.attrs = src->res[i]->r.sensitive = src->res[i]->partial = NULL;
	}
	for (i = 0; i < src->ndocs; i++) {
		dm__blob_free(&src->docs[i].buf);
		dm__jdoc_free(src->docs[i].doc);
		free(src->docs[i].doc);
	}
	src->ndocs = 0;
	src->nres = src->nscopes = src->nsources = 0;
	dm__strmap_free(src->byid);
	src->byid = NULL;
	if (dm__strmap_new(&src->byid, 16) < 0 && rc == 0)
		rc = DM_ENOMEM;
	return rc;
}

static int cmpstr(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return -1;
	if (!b)
		return 1;
	return strcmp(a, b);
}

static int res_cmp(const void *pa, const void *pb)
{
	const dm_resource *a = &(*(struct res_node *const *)pa)->r;
	const dm_resource *b = &(*(struct res_node *const *)pb)->r;
	int c;

	if ((c = strcmp(a->provider, b->provider)) != 0)
		return c;
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	if ((c = cmpstr(a->account, b->account)) != 0)
		return c;
	if ((c = cmpstr(a->region, b->region)) != 0)
		return c;
	if ((c = cmpstr(a->address, b->address)) != 0)
		return c;
	return cmpstr(a->source_uri, b->source_uri);
}

void dm_inventory_sort(dm_inventory *inv)
{
	if (inv && inv->nres > 1)
		qsort(inv->res, inv->nres, sizeof(*inv->res), res_cmp);
}

/* ---- JSON form ---------------------------------------------------------- */

static const struct {
	unsigned flag;
	const char *name;
} flag_names[] = {
	{DM_RES_DATA, "data"},
	{DM_RES_TAINTED, "tainted"},
	{DM_RES_DEPOSED, "deposed"},
	{DM_RES_AWS_CREATED, "aws_created"},
	{DM_RES_FLAT, "flat"},
};

static int set_str(json_t *o, const char *k, const char *v)
{
	if (!v)
		return 0;
	return json_object_set_new(o, k, json_string(v));
}

json_t *dm_inventory_to_json(const dm_inventory *inv)
{
	json_t *doc = json_object(), *scopes = json_array(), *resources = json_array();
	json_t *sources = json_array();
	char ts[32];
	size_t i, j;

	if (!doc || !scopes || !resources || !sources)
		goto fail;
	dm__rfc3339((long long)time(NULL), ts, sizeof(ts));
	json_object_set_new(doc, "schema", json_string(INVENTORY_SCHEMA));
	json_object_set_new(doc, "tool", json_pack("{s:s,s:s}", "name", "driftmap", "version",
						   DRIFTMAP_VERSION));
	json_object_set_new(doc, "collected_at", json_string(ts));
	for (i = 0; i < inv->nscopes; i++) {
		const dm_scope *s = &inv->scopes[i];
		json_t *o = json_object(), *types = json_array();
		if (!o || !types) {
			json_decref(o);
			json_decref(types);
			goto fail;
		}
		for (j = 0; j < s->ntypes; j++)
			json_array_append_new(types, json_string(s->types[j]));
		set_str(o, "provider", s->provider);
		set_str(o, "account", s->account);
		set_str(o, "region", s->region);
		set_str(o, "api", s->api);
		json_object_set_new(o, "types", types);
		json_object_set_new(o, "complete", json_boolean(s->complete));
		json_object_set_new(o, "error", s->error ? json_string(s->error) : json_null());
		json_object_set_new(o, "api_calls", json_integer(s->api_calls));
		json_array_append_new(scopes, o);
	}
	for (i = 0; i < inv->nsources; i++) {
		const dm_source_info *s = &inv->sources[i];
		json_t *o = json_object();
		if (!o)
			goto fail;
		set_str(o, "uri", s->uri);
		set_str(o, "commit", s->commit);
		json_object_set_new(o, "serial", json_integer(s->serial));
		set_str(o, "lineage", s->lineage);
		set_str(o, "terraform_version", s->terraform_version);
		json_object_set_new(o, "resources", json_integer((json_int_t)s->resources));
		json_array_append_new(sources, o);
	}
	for (i = 0; i < inv->nres; i++) {
		const dm_resource *r = &inv->res[i]->r;
		json_t *o = json_object(), *flags = json_array();
		if (!o || !flags) {
			json_decref(o);
			json_decref(flags);
			goto fail;
		}
		set_str(o, "provider", r->provider);
		set_str(o, "type", r->type);
		set_str(o, "id", r->id);
		set_str(o, "account", r->account);
		set_str(o, "region", r->region);
		set_str(o, "address", r->address);
		set_str(o, "source_uri", r->source_uri);
		set_str(o, "commit", r->commit);
		set_str(o, "name", r->name);
		set_str(o, "module", r->module);
		for (j = 0; j < sizeof(flag_names) / sizeof(flag_names[0]); j++) {
			if (r->flags & flag_names[j].flag)
				json_array_append_new(flags, json_string(flag_names[j].name));
		}
		if (json_array_size(flags))
			json_object_set_new(o, "flags", flags);
		else
			json_decref(flags);
		json_object_set(o, "attributes", dm_resource_attrs(r) ? dm_resource_attrs(r) : json_null());
		if (r->sensitive)
			json_object_set(o, "sensitive_attributes", r->sensitive);
		json_array_append_new(resources, o);
	}
	json_object_set_new(doc, "scopes", scopes);
	json_object_set_new(doc, "sources", sources);
	json_object_set_new(doc, "resources", resources);
	return doc;
fail:
	json_decref(doc);
	json_decref(scopes);
	json_decref(resources);
	json_decref(sources);
	return NULL;
}

int dm_inventory_save_json(const dm_inventory *inv, dm_ctx *ctx, const char *path)
{
	json_t *doc = dm_inventory_to_json(inv);
	char *text = NULL;
	int rc;

	if (!doc)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory building the inventory", path);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	if (!text)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory serialising the inventory", path);
	rc = dm__write_file_atomic(ctx, path, text, strlen(text));
	free(text);
	return rc;
}

static const char *opt_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int dm_inventory_from_json(dm_inventory **out, dm_ctx *ctx, const json_t *doc, const char *what)
{
	dm_inventory *inv = NULL;
	const json_t *arr, *v;
	const char *schema;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(doc))
		return dm__error(ctx, DM_EPARSE, "%s: inventory is not a JSON object", what);
	schema = opt_str(doc, "schema");
	if (!schema)
		return dm__error(ctx, DM_EPARSE, "%s: not a driftmap inventory (no \"schema\")", what);
	if (strcmp(schema, INVENTORY_SCHEMA) != 0)
		return dm__error(ctx, DM_EVERSION,
				 "%s: unsupported inventory schema '%s' (expected %s)", what, schema,
				 INVENTORY_SCHEMA);
	if (dm_inventory_new(&inv) < 0)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);

	arr = json_object_get(doc, "scopes");
	if (arr && !json_is_array(arr)) {
		rc = dm__error(ctx, DM_EPARSE, "%s: \"scopes\" is not an array", what);
		goto done;
	}
	json_array_foreach(arr, i, v) {
		dm_scope s;
		const char *types[256];
		const json_t *t = json_object_get(v, "types"), *tv;
		const json_t *calls = json_object_get(v, "api_calls");
		memset(&s, 0, sizeof(s));
		if (!json_is_object(v) || !opt_str(v, "provider")) {
			rc = dm__error(ctx, DM_EPARSE, "%s: scope %zu is malformed", what, i);
			goto done;
		}
		s.provider = opt_str(v, "provider");
		s.account = opt_str(v, "account");
		s.region = opt_str(v, "region");
		s.api = opt_str(v, "api");
		s.error = opt_str(v, "error");
		s.complete = json_is_true(json_object_get(v, "complete"));
		s.api_calls = json_is_integer(calls) ? (unsigned)json_integer_value(calls) : 0;
		json_array_foreach(t, j, tv) {
			if (j >= 256 || !json_is_string(tv)) {
				rc = dm__error(ctx, DM_EPARSE, "%s: scope %zu has bad types", what, i);
				goto done;
			}
			types[j] = json_string_value(tv);
		}
		s.types = types;
		s.ntypes = json_array_size(t);
		if (dm_inventory_add_scope(inv, &s) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);
			goto done;
		}
	}
	arr = json_object_get(doc, "sources");
	json_array_foreach(arr, i, v) {
		dm_source_info si;
		json_t *ser = json_object_get(v, "serial"), *cnt = json_object_get(v, "resources");
		memset(&si, 0, sizeof(si));
		si.uri = opt_str(v, "uri");
		si.commit = opt_str(v, "commit");
		si.lineage = opt_str(v, "lineage");
		si.terraform_version = opt_str(v, "terraform_version");
		si.serial = json_is_integer(ser) ? json_integer_value(ser) : 0;
		si.resources = json_is_integer(cnt) ? (size_t)json_integer_value(cnt) : 0;
		if (dm_inventory_add_source(inv, &si) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);
			goto done;
		}
	}
	arr = json_object_get(doc, "resources");
	if (!json_is_array(arr)) {
		rc = dm__error(ctx, DM_EPARSE, "%s: \"resources\" is missing or not an array", what);
		goto done;
	}
	json_array_foreach(arr, i, v) {
		dm_resource r;
		const json_t *attrs = json_object_get(v, "attributes"), *flags, *fv;
		const json_t *sens = json_object_get(v, "sensitive_attributes");
		memset(&r, 0, sizeof(r));
		r.provider = opt_str(v, "provider");
		r.type = opt_str(v, "type");
		r.id = opt_str(v, "id");
		if (!r.provider || !r.type || !r.id || (attrs && !json_is_object(attrs))) {
			rc = dm__error(ctx, DM_EPARSE,
				       "%s: resource %zu lacks provider/type/id or has non-object attributes",
				       what, i);
			goto done;
		}
		r.account = opt_str(v, "account");
		r.region = opt_str(v, "region");
		r.address = opt_str(v, "address");
		r.source_uri = opt_str(v, "source_uri");
		r.commit = opt_str(v, "commit");
		r.name = opt_str(v, "name");
		r.module = opt_str(v, "module");
		flags = json_object_get(v, "flags");
		json_array_foreach(flags, j, fv) {
			size_t k;
			for (k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
				if (json_is_string(fv) && strcmp(json_string_value(fv), flag_names[k].name) == 0)
					r.flags |= flag_names[k].flag;
			}
		}
		r.attrs = attrs ? json_incref((json_t *)attrs) : json_object();
		r.sensitive = json_is_array(sens) ? json_incref((json_t *)sens) : NULL;
		if (dm_inventory_add(inv, &r, NULL) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);
			goto done;
		}
	}
done:
	if (rc < 0)
		dm_inventory_free(inv);
	else
		*out = inv;
	return rc;
}

/* Line and column (1-based) of a byte offset, for error messages. */
static void line_col(const char *buf, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* A string value copied into the inventory's arena; NULL when absent or not a string. */
static const char *span_str(dm_inventory *inv, const dm_jspan *v, int found)
{
	return found ? dm__jspan_arena_str(inv->arena, *v) : NULL;
}

/*
 * Load an inventory file lazily: the resources' attributes stay raw text
 * (validated) until used. Scopes and sources are small and go through the
 * jansson path.
 */
enum {
	F_PROVIDER, F_TYPE, F_ID, F_ACCOUNT, F_REGION, F_ADDRESS, F_SOURCE_URI, F_COMMIT, F_NAME,
	F_MODULE, F_FLAGS, F_SENSITIVE, F_ATTRS, NFIELDS
};

int dm_inventory_load_json(dm_inventory **out, dm_ctx *ctx, const char *path)
{
	static const char *const fields[NFIELDS] = {
		"provider", "type", "id", "account", "region", "address", "source_uri", "commit",
		"name", "module", "flags", "sensitive_attributes", "attributes"
	};
	dm_jspan fv_all[NFIELDS];
	unsigned char found[NFIELDS];
	dm_inventory *inv = NULL, *head = NULL;
	dm_jdoc *doc = NULL;
	dm_blob blob;
	const char *buf;
	size_t len, off = 0, i;
	const char *msg = NULL;
	dm_jspan root, arr, v;
	json_t *shell = NULL;
	dm_jiter it;
	int rc, line, col;

	*out = NULL;
	rc = dm__blob_read_file(ctx, path, (size_t)4 << 30, &blob);
	if (rc < 0)
		return rc;
	buf = blob.data;
	len = blob.len;
	doc = dm__calloc(1, sizeof(*doc));
	if (!doc) {
		dm__blob_free(&blob);
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	}
	rc = dm__jdoc_parse(doc, buf, len, &off, &msg);
	if (rc < 0) {
		free(doc);
		if (rc == -2) {
			dm__blob_free(&blob);
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
		}
		line_col(buf, off, &line, &col);
		dm__blob_free(&blob);
		return dm__error(ctx, DM_EPARSE, "%s:%d:%d: invalid JSON: %s", path, line, col, msg);
	}
	root = dm__jdoc_root(doc);
	if (dm__jspan_type(root) != DM_J_OBJECT) {
		rc = dm__error(ctx, DM_EPARSE, "%s: inventory is not a JSON object", path);
		goto fail;
	}
	/* Envelope, scopes and sources through the jansson path (small). */
	shell = json_object();
	if (!shell) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	{
		static const char *const small[] = {"schema", "scopes", "sources"};
		for (i = 0; i < 3; i++) {
			if (dm__jspan_get(root, small[i], &v))
				json_object_set_new(shell, small[i], dm__jspan_to_json(v));
		}
		json_object_set_new(shell, "resources", json_array());
	}
	if (!dm__jspan_get(root, "resources", &arr) || dm__jspan_type(arr) != DM_J_ARRAY)
		json_object_del(shell, "resources");
	rc = dm_inventory_from_json(&head, ctx, shell, path);
	if (rc < 0)
		goto fail;
	inv = head;
	head = NULL;
	rc = dm__inventory_adopt(inv, &blob, doc);
	if (rc < 0) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	doc = NULL;
	dm__jiter_init(&it, arr);
	i = 0;
	while (dm__jiter_element(&it, &v)) {
		dm_resource r;
		dm_jspan attrs, flags, fv, sens;
		dm_jiter fit;
		memset(&r, 0, sizeof(r));
		if (dm__jspan_type(v) != DM_J_OBJECT)
			goto bad_res;
		/* one pass over the member list */
		dm__jspan_get_many(v, fields, NFIELDS, fv_all, found);
		r.provider = span_str(inv, &fv_all[F_PROVIDER], found[F_PROVIDER]);
		r.type = span_str(inv, &fv_all[F_TYPE], found[F_TYPE]);
		r.id = span_str(inv, &fv_all[F_ID], found[F_ID]);
		if (!r.provider || !r.type || !r.id)
			goto bad_res;
		r.account = span_str(inv, &fv_all[F_ACCOUNT], found[F_ACCOUNT]);
		r.region = span_str(inv, &fv_all[F_REGION], found[F_REGION]);
		r.address = span_str(inv, &fv_all[F_ADDRESS], found[F_ADDRESS]);
		r.source_uri = span_str(inv, &fv_all[F_SOURCE_URI], found[F_SOURCE_URI]);
		r.commit = span_str(inv, &fv_all[F_COMMIT], found[F_COMMIT]);
		r.name = span_str(inv, &fv_all[F_NAME], found[F_NAME]);
		r.module = span_str(inv, &fv_all[F_MODULE], found[F_MODULE]);
		flags = fv_all[F_FLAGS];
		sens = fv_all[F_SENSITIVE];
		attrs = fv_all[F_ATTRS];
		if (found[F_FLAGS] && dm__jspan_type(flags) == DM_J_ARRAY) {
			dm__jiter_init(&fit, flags);
			while (dm__jiter_element(&fit, &fv)) {
				size_t k;
				for (k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
					if (dm__jspan_streq(fv, flag_names[k].name))
						r.flags |= flag_names[k].flag;
				}
			}
		}
		if (found[F_SENSITIVE] && dm__jspan_type(sens) == DM_J_ARRAY)
			r.sensitive = dm__jspan_to_json(sens);
		if (found[F_ATTRS]) {
			if (dm__jspan_type(attrs) != DM_J_OBJECT)
				goto bad_res;
			rc = dm__inventory_add_lazy(inv, &r, attrs, NULL);
		} else {
			r.attrs = json_object();
			rc = dm_inventory_add(inv, &r, NULL);
		}
		if (rc < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
			goto fail;
		}
		i++;
		continue;
bad_res:
		json_decref(r.sensitive);
		rc = dm__error(ctx, DM_EPARSE,
			       "%s: resource %zu lacks provider/type/id or has non-object attributes",
			       path, i);
		goto fail;
	}
	json_decref(shell);
	*out = inv;
	return 0;
fail:
	json_decref(shell);
	dm_inventory_free(inv);
	dm_inventory_free(head);
	if (doc) {
		dm__jdoc_free(doc);
		free(doc);
	}
	dm__blob_free(&blob);
	return rc;
}
