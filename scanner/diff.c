/*
 * driftmap — the diff engine: match a state inventory with a live inventory
 * and produce findings (DESIGN.md "Matching and comparison rules").
 *
 * Matching is O(n): every live resource of a compared type goes into one
 * hash map keyed by "provider \x1f live type \x1f canonical key"; state
 * resources are de-duplicated through a second map (several states holding
 * one resource make one managed resource) and looked up in the first.
 * Sub-resources (SG rules, routes, attachments, NACL rules/associations) are
 * resolved by coverage in diff_atoms.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diff_internal.h"

#define KEY_MAX 2048



struct dm_drift {
	const dm_inventory *state;
	const dm_inventory *live;
	dm_finding *findings;
	size_t nfindings, capfindings;
	dm_summary summary;
	dm_arena *arena;
	long long started_at, finished_at;
	size_t uncompared;
};

/* A group of state resources holding the same object (several states). */
struct sgroup {
	const dm_resource *first;
	const dm_type_spec *spec;
	dm_lent *live;           /* the live match, NULL when none */
	const char *account, *region;
	size_t *holders;         /* indexes of further holders (rare) */
	size_t nholders, capholders;
};

/* ---- names ---------------------------------------------------------------- */

const char *dm_finding_kind_name(dm_finding_kind k)
{
	switch (k) {
	case DM_FINDING_UNMANAGED:
		return "unmanaged";
	case DM_FINDING_MISSING:
		return "missing";
	case DM_FINDING_CHANGED:
		return "changed";
	default:
		return "unknown";
	}
}

const char *dm_change_op_name(dm_change_op op)
{
	switch (op) {
	case DM_OP_ADD:
		return "add";
	case DM_OP_REMOVE:
		return "remove";
	case DM_OP_REPLACE:
		return "replace";
	default:
		return "unknown";
	}
}

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *dm_severity_name(dm_severity s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "unknown";
	return severity_names[s];
}

int dm_severity_parse(const char *s, dm_severity *out)
{
	size_t i;

	if (!s || !out)
		return DM_EINVAL;
	for (i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++) {
		const char *a = s, *b = severity_names[i];
		while (*a && *b && (*a | 0x20) == *b) {
			a++;
			b++;
		}
		if (!*a && !*b) {
			*out = (dm_severity)i;
			return 0;
		}
	}
	return DM_EINVAL;
}

/* ---- accessors -------------------------------------------------------------- */

static void changes_free(dm_change *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(c[i].state);
		json_decref(c[i].live);
	}
	free(c);
}

void dm_drift_free(dm_drift *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nfindings; i++)
		changes_free(d->findings[i].changes, d->findings[i].nchanges);
	free(d->findings);
	dm__arena_free(d->arena);
	free(d);
}

size_t dm_drift_count(const dm_drift *d)
{
	return d ? d->nfindings : 0;
}

const dm_finding *dm_drift_at(const dm_drift *d, size_t i)
{
	return (d && i < d->nfindings) ? &d->findings[i] : NULL;
}

void dm_drift_set_first_seen(dm_drift *d, size_t i, long long when)
{
	if (d && i < d->nfindings)
		d->findings[i].first_seen = when;
}

const dm_summary *dm_drift_summary(const dm_drift *d)
{
	return d ? &d->summary : NULL;
}

const dm_inventory *dm_drift_state(const dm_drift *d)
{
	return d ? d->state : NULL;
}

const dm_inventory *dm_drift_live(const dm_drift *d)
{
	return d ? d->live : NULL;
}

void dm_drift_set_times(dm_drift *d, long long started_at, long long finished_at)
{
	if (!d)
		return;
	d->started_at = started_at;
	d->finished_at = finished_at;
}

void dm_drift_times(const dm_drift *d, long long *started_at, long long *finished_at)
{
	if (started_at)
		*started_at = d ? d->started_at : 0;
	if (finished_at)
		*finished_at = d ? d->finished_at : 0;
}

/* ---- helpers shared with diff_atoms.c ---------------------------------------- */

int dm__pair_change(dm_diffrun *run, dm_pair *p, const char *path, dm_change_op op,
		    json_t *state, json_t *live)
{
	dm_change *c;
	const char *cp = dm__arena_strdup(run->keep, path);

	if (!cp || dm__grow((void **)&p->changes, &p->capchanges, p->nchanges + 1,
			    sizeof(dm_change)) < 0) {
		json_decref(state);
		json_decref(live);
		return dm__error(run->ctx, DM_ENOMEM, "diff: out of memory recording a change of %s",
				 p->state ? p->state->id : "?");
	}
	c = &p->changes[p->nchanges++];
	c->path = cp;
	c->op = op;
	c->state = state;
	c->live = live;
	return 0;
}

/* What the run knows about one type spec. */
struct tinfo {
	const dm_type_spec *spec;
	size_t slot;             /* live map of its live type; SIZE_MAX for sub-resources */
};

/* One live map per (provider, live type): canonical key -> first dm_lent. */
struct slot {
	const char *provider;
	const char *live_type;
	dm_strmap *map;
	size_t count;
};

struct typemap {
	const dm_type_table *table;
	dm_strmap *bytype;       /* type name -> struct tinfo */
	struct tinfo *infos;
};

/* The type maps hang off the run through this small holder. */
struct runx {
	dm_diffrun run;
	struct typemap *maps;
	size_t nmaps;
	struct slot *slots;
	size_t nslots, capslots;
	const char *last_provider;
	size_t last_map;
	const char *last_type;   /* one-entry cache: resources come grouped by type */
	const struct tinfo *last_ti;
	dm_strmap *ids;          /* resource id -> resource, live then state (scope_from_refs) */
	int ids_failed;
};

static const struct tinfo *tinfo_of(const dm_diffrun *run, const dm_resource *r)
{
	struct runx *x = (struct runx *)(uintptr_t)run;
	size_t i;

	if (!r->provider || !r->type)
		return NULL;
	if (x->last_provider && (x->last_provider == r->provider ||
				 strcmp(x->last_provider, r->provider) == 0)) {
		i = x->last_map;
		if (x->last_type && strcmp(x->last_type, r->type) == 0)
			return x->last_ti;
	} else {
		for (i = 0; i < x->nmaps; i++)
			if (x->maps[i].table && x->maps[i].table->provider &&
			    strcmp(x->maps[i].table->provider, r->provider) == 0)
				break;
		if (i == x->nmaps)
			return NULL;
		x->last_provider = r->provider;
		x->last_map = i;
	}
	x->last_type = r->type;
	x->last_ti = dm__strmap_get(x->maps[i].bytype, r->type);
	return x->last_ti;
}

const dm_type_spec *dm__diff_spec(const dm_diffrun *run, const dm_resource *r)
{
	const struct tinfo *ti = tinfo_of(run, r);
	return ti ? ti->spec : NULL;
}

static char *join(dm_arena *a, const char *const *parts, size_t n)
{
	size_t len = 0, i, o = 0;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(parts[i] ? parts[i] : "") + 1;
	s = dm__arena_alloc(a, len + 1);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t l = strlen(parts[i] ? parts[i] : "");
		if (i)
			s[o++] = '\x1f';
		if (l)
			memcpy(s + o, parts[i], l);
		o += l;
	}
	s[o] = '\0';
	return s;
}

int dm__diff_complete(dm_diffrun *run, const char *provider, const char *account,
		      const char *region, const char *type)
{
	const char *parts[4];
	char buf[512];
	const char *key;
	size_t len = 0, i, o = 0;
	void *v;
	int c;

	parts[0] = provider ? provider : "";
	parts[1] = account ? account : "\x01";
	parts[2] = region ? region : "\x01";
	parts[3] = type ? type : "";
	for (i = 0; i < 4; i++)
		len += strlen(parts[i]) + 1;
	if (len > sizeof(buf))
		return dm_inventory_type_complete(run->live, provider, account, region, type);
	for (i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			buf[o++] = '\x1f';
		memcpy(buf + o, parts[i], l);
		o += l;
	}
	buf[o] = '\0';
	v = dm__strmap_get(run->complete, buf);
	if (v)
		return (int)((intptr_t)v - 2);
	c = dm_inventory_type_complete(run->live, provider, account, region, type);
	key = dm__arena_strdup(run->scratch, buf);
	if (key)
		(void)dm__strmap_put(run->complete, key, (void *)(intptr_t)(c + 2));
	return c;
}

void dm__infer_scope(dm_diffrun *run, const dm_resource *r, const char **account,
		     const char **region)
{
	static const char *const keys[] = { "arn", "region", "availability_zone", "owner_id" };
	const char *v[4] = { NULL, NULL, NULL, NULL };
	const char *arn, *az, *reg, *owner;
	dm_jspan raw, spans[4];
	unsigned char found[4];
	size_t i;

	if (dm__resource_raw(r, &raw)) {
		/* straight from the text: no attribute materialised for this */
		dm__jspan_get_many(raw, keys, 4, spans, found);
		for (i = 0; i < 4; i++) {
			if (found[i] && dm__jspan_type(spans[i]) == DM_J_STRING && spans[i].len > 2)
				v[i] = dm__jspan_arena_str(run->keep, spans[i]);
		}
	} else {
		for (i = 0; i < 4; i++)
			v[i] = dm__json_str(dm_resource_attr(r, keys[i]));
	}
	arn = v[0];
	*account = r->account;
	*region = r->region;
	if (arn && strncmp(arn, "arn:", 4) == 0) {
		const char *f[5], *p = arn;
		for (i = 0; i < 5 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				p++;
		}
		if (i == 5 && p) {
			/* f: arn, partition, service, region, account; p: resource */
			size_t lreg = (size_t)(f[4] - f[3]) - 1, lacc = (size_t)(p - f[4]) - 1;
			if (!*region) {
				if (lreg)
					*region = dm__arena_strndup(run->keep, f[3], lreg);
				else if (strncmp(f[2], "iam:", 4) == 0)
					*region = "global";
			}
			if (!*account && lacc && (lacc != 3 || strncmp(f[4], "aws", 3) != 0))
				*account = dm__arena_strndup(run->keep, f[4], lacc);
		}
	}
	if (!*region) {
		reg = v[1] && *v[1] ? v[1] : NULL;
		az = v[2] && *v[2] ? v[2] : NULL;
		if (reg) {
			*region = reg;
		} else if (az) {
			size_t l = strlen(az);
			while (l > 0 && az[l - 1] >= 'a' && az[l - 1] <= 'z')
				l--;
			if (l > 0 && l < strlen(az))
				*region = dm__arena_strndup(run->keep, az, l);
		}
	}
	if (!*account) {
		owner = v[3] && *v[3] ? v[3] : NULL;
		if (owner)
			*account = owner;
	}
}

/* ---- findings ----------------------------------------------------------------- */

static dm_finding *new_finding(dm_diffrun *run, dm_finding_kind kind, const dm_resource *sr,
			       const dm_resource *lr, const char *account, const char *region)
{
	dm_drift *d = run->d;
	const dm_resource *r = sr ? sr : lr;
	dm_finding *f;

	if (dm__grow((void **)&d->findings, &d->capfindings, d->nfindings + 1,
		     sizeof(dm_finding)) < 0) {
		dm__error(run->ctx, DM_ENOMEM, "diff: out of memory adding a finding for %s",
			  r->id ? r->id : "?");
		return NULL;
	}
	f = &d->findings[d->nfindings++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->provider = r->provider;
	f->type = r->type;
	f->resource_id = r->id;
	if (sr) {
		f->address = sr->address;
		f->state_uri = sr->source_uri;
		f->commit = sr->commit;
	}
	f->account = lr ? lr->account : account;
	f->region = lr ? lr->region : region;
	f->state_res = sr;
	f->live_res = lr;
	if (run->opts && run->opts->ignore &&
	    dm_ignore_match(run->opts->ignore, r->type, r->id ? r->id : "", NULL))
		f->ignored = 1;
	return f;
}

int dm__diff_missing(dm_diffrun *run, const dm_pair *p)
{
	return new_finding(run, DM_FINDING_MISSING, p->state, NULL, p->account, p->region) ? 0
		: DM_ENOMEM;
}

/* Drop changes whose path is ignored; returns how many remain. */
static size_t filter_changes(dm_diffrun *run, dm_pair *p)
{
	const dm_ignore *ig = run->opts ? run->opts->ignore : NULL;
	size_t i, o = 0;

	/* a resource rule keeps the finding whole: new_finding() marks it ignored
	 * (docs/ignore.md: counted in summary.ignored, not as changed or in sync) */
	if (ig && dm_ignore_match(ig, p->state->type, p->state->id ? p->state->id : "", NULL))
		return p->nchanges;
	for (i = 0; i < p->nchanges; i++) {
		if (ig && dm_ignore_match(ig, p->state->type, p->state->id ? p->state->id : "",
					  p->changes[i].path)) {
			json_decref(p->changes[i].state);
			json_decref(p->changes[i].live);
			continue;
		}
		p->changes[o++] = p->changes[i];
	}
	p->nchanges = o;
	return o;
}

static void fingerprint(dm_finding *f)
{
	char hex[65];
	const char *parts[4];
	size_t len = 0, i, o = 0;
	char stack[1024], *buf = stack, *heap = NULL;

	parts[0] = dm_finding_kind_name(f->kind);
	parts[1] = f->provider ? f->provider : "";
	parts[2] = f->type ? f->type : "";
	parts[3] = f->resource_id ? f->resource_id : "";
	for (i = 0; i < 4; i++)
		len += strlen(parts[i]) + 1;
	if (len > sizeof(stack)) {
		heap = malloc(len);
		if (!heap) {
			memset(f->fingerprint, '0', 32);
			f->fingerprint[32] = '\0';
			return;
		}
		buf = heap;
	}
	for (i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			buf[o++] = '|';
		memcpy(buf + o, parts[i], l);
		o += l;
	}
	dm__sha256_hex(buf, o, hex);
	memcpy(f->fingerprint, hex, 32);
	f->fingerprint[32] = '\0';
	free(heap);
}

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int finding_cmp(const void *a, const void *b)
{
	const dm_finding *x = a, *y = b;
	const char *xs[5], *ys[5];
	size_t i;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	xs[0] = x->type, ys[0] = y->type;
	xs[1] = x->resource_id, ys[1] = y->resource_id;
	xs[2] = x->address, ys[2] = y->address;
	xs[3] = x->account, ys[3] = y->account;
	xs[4] = x->region, ys[4] = y->region;
	for (i = 0; i < 5; i++) {
		c = strcmp0(xs[i], ys[i]);
		if (c != 0)
			return c;
	}
	return strcmp0(x->state_uri, y->state_uri);
}

/* ---- keys ----------------------------------------------------------------------- */

static const char *canon_key(const dm_type_spec *spec, const dm_resource *r, char *buf,
			     size_t cap)
{
	if (spec->canonical_key && spec->canonical_key(r, buf, cap) == 0 && buf[0])
		return buf;
	return r->id ? r->id : "";
}

static int live_compatible(const dm_lent *e, const char *account, const char *region)
{
	if (account && e->r->account && *e->r->account && strcmp(account, e->r->account) != 0)
		return 0;
	if (region && e->r->region && *e->r->region && strcmp(region, e->r->region) != 0)
		return 0;
	return 1;
}

static int is_state_candidate(const dm_resource *r)
{
	return !(r->flags & (DM_RES_DATA | DM_RES_DEPOSED)) && r->type && r->provider;
}

static int cloud_created(const dm_type_spec *spec, const dm_resource *r)
{
	if (r->flags & DM_RES_AWS_CREATED)
		return 1;
	return spec->cloud_created ? spec->cloud_created(r) != 0 : 0;
}

/* ---- the diff ---------------------------------------------------------------------- */

static int slot_for(struct runx *x, const char *provider, const char *live_type, size_t *out)
{
	size_t i;

	for (i = 0; i < x->nslots; i++) {
		if (strcmp(x->slots[i].provider, provider) == 0 &&
		    strcmp(x->slots[i].live_type, live_type) == 0) {
			*out = i;
			return 0;
		}
	}
	if (dm__grow((void **)&x->slots, &x->capslots, x->nslots + 1, sizeof(struct slot)) < 0)
		return DM_ENOMEM;
	memset(&x->slots[x->nslots], 0, sizeof(struct slot));
	x->slots[x->nslots].provider = provider;
	x->slots[x->nslots].live_type = live_type;
	*out = x->nslots++;
	return 0;
}

static int build_typemaps(struct runx *x, const dm_diff_options *opts)
{
	size_t i, j;

	x->nmaps = opts ? opts->ntables : 0;
	if (!x->nmaps)
		return 0;
	x->maps = dm__calloc(x->nmaps, sizeof(*x->maps));
	if (!x->maps)
		return DM_ENOMEM;
	for (i = 0; i < x->nmaps; i++) {
		const dm_type_table *t = opts->tables[i];
		x->maps[i].table = t;
		if (dm__strmap_new(&x->maps[i].bytype, t ? t->ntypes : 1) < 0)
			return DM_ENOMEM;
		if (!t || !t->ntypes || !t->provider)
			continue;
		x->maps[i].infos = dm__calloc(t->ntypes, sizeof(struct tinfo));
		if (!x->maps[i].infos)
			return DM_ENOMEM;
		for (j = 0; j < t->ntypes; j++) {
			const dm_type_spec *sp = &t->types[j];
			struct tinfo *ti = &x->maps[i].infos[j];
			ti->spec = sp;
			ti->slot = SIZE_MAX;
			if (!(sp->flags & DM_TYPE_SUBRESOURCE) &&
			    slot_for(x, t->provider, sp->live_type ? sp->live_type : sp->type,
				     &ti->slot) < 0)
				return DM_ENOMEM;
			if (dm__strmap_put(x->maps[i].bytype, sp->type, ti) < 0)
				return DM_ENOMEM;
		}
	}
	return 0;
}

static int index_live(struct runx *x)
{
	dm_diffrun *run = &x->run;
	size_t i, n = dm_inventory_count(run->live);
	char buf[KEY_MAX];

	if (n) {
		run->lents = dm__calloc(n, sizeof(dm_lent));
		if (!run->lents)
			return DM_ENOMEM;
	}
	run->nlents = n;
	for (i = 0; i < n; i++) {
		const dm_resource *r = dm_inventory_at(run->live, i);
		const struct tinfo *ti = tinfo_of(run, r);
		run->lents[i].r = r;
		if (!ti)
			continue;
		run->lents[i].spec = ti->spec;
		run->lents[i].slot = ti->slot;
		if (ti->slot != SIZE_MAX)
			x->slots[ti->slot].count++;
	}
	for (i = 0; i < x->nslots; i++)
		if (dm__strmap_new(&x->slots[i].map, x->slots[i].count) < 0)
			return DM_ENOMEM;
	for (i = 0; i < n; i++) {
		dm_lent *e = &run->lents[i], *head;
		dm_strmap *m;
		const char *k;

		if (!e->spec || e->slot == SIZE_MAX)
			continue;
		m = x->slots[e->slot].map;
		k = canon_key(e->spec, e->r, buf, sizeof(buf));
		e->key = (k == buf) ? dm__arena_strdup(run->scratch, buf) : k;
		if (!e->key)
			return DM_ENOMEM;
		head = dm__strmap_get(m, e->key);
		if (head) {
			while (head->next)
				head = head->next;
			head->next = e;
		} else if (dm__strmap_put(m, e->key, e) < 0) {
			return DM_ENOMEM;
		}
	}
	return 0;
}

static int add_holder(struct sgroup *g, size_t i)
{
	if (dm__grow((void **)&g->holders, &g->capholders, g->nholders + 1, sizeof(size_t)) < 0)
		return DM_ENOMEM;
	g->holders[g->nholders++] = i;
	return 0;
}

/*
 * The parent a standalone sub-resource belongs to (its SG, route table,
 * NACL, role, subnet): two rule resources with the same synthetic id in two
 * regions or accounts are different objects; the same rule held by two
 * states is one.
 */
static const char *subresource_parent(const dm_resource *r)
{
	static const char *const keys[] = {"security_group_id", "route_table_id", "network_acl_id",
					   "role", "user", "group", "subnet_id", "policy_arn"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = dm__json_str(dm_resource_attr(r, keys[i]));
		if (v && *v)
			return v;
	}
	return "";
}

/* An id held by resources of different scopes: the map cannot tell which is meant. */
static const char ambiguous_id[] = "";

static int ids_put(dm_strmap *m, const dm_resource *r, const char *acc, const char *reg)
{
	const dm_resource *o;

	if (!r->id || !*r->id)
		return 0;
	o = dm__strmap_get(m, r->id);
	if (!o)
		return dm__strmap_put(m, r->id, (void *)(uintptr_t)r);
	if ((const void *)o == (const void *)ambiguous_id)
		return 0;
	if (strcmp(o->region ? o->region : "", reg ? reg : "") != 0 ||
	    strcmp(o->account ? o->account : "", acc ? acc : "") != 0)
		return dm__strmap_put(m, r->id, (void *)(uintptr_t)ambiguous_id);
	return 0;
}

/* The id map, built on first use: live resources (they carry their scope), then the state's. */
static dm_strmap *ids_map(struct runx *x)
{
	dm_diffrun *run = &x->run;
	size_t i, nl = dm_inventory_count(run->live), ns = dm_inventory_count(run->state);

	if (x->ids || x->ids_failed)
		return x->ids;
	if (dm__strmap_new(&x->ids, nl + ns) < 0) {
		x->ids_failed = 1;
		return NULL;
	}
	for (i = 0; i < nl; i++) {
		const dm_resource *r = dm_inventory_at(run->live, i);

		if (ids_put(x->ids, r, r->account, r->region) < 0)
			goto fail;
	}
	for (i = 0; i < ns; i++) {
		const dm_resource *r = dm_inventory_at(run->state, i);

		if (r->id && *r->id && !dm__strmap_get(x->ids, r->id) &&
		    dm__strmap_put(x->ids, r->id, (void *)(uintptr_t)r) < 0)
			goto fail;
	}
	return x->ids;
fail:
	dm__strmap_free(x->ids);
	x->ids = NULL;
	x->ids_failed = 1;
	return NULL;
}

/*
 * A state resource whose own attributes name no region or account (route
 * table and NACL associations, rules: no arn, no zone) takes them from what
 * it references, the subnet, route table, VPC..., as listed live or as the
 * state holds it (one level, the target's own attributes). The region of a
 * finding is then right, and a failed scope in another region does not hide
 * it. A reference to neither, or to an id seen in two scopes, leaves it unknown.
 */
static void scope_from_refs(struct runx *x, const struct tinfo *ti, const dm_resource *r,
			    const char **account, const char **region)
{
	const dm_type_spec *spec = ti->spec;
	dm_strmap *ids;
	size_t i;

	if (!spec->attrs || !(ids = ids_map(x)))
		return;
	for (i = 0; i < spec->nattrs && (!*region || !*account); i++) {
		const dm_attr_spec *a = &spec->attrs[i];
		const dm_resource *t;
		const char *id, *acc = NULL, *reg = NULL;

		if (!a->ref_type || a->cmp != DM_CMP_SCALAR)
			continue;
		id = dm__json_str(dm_resource_attr(r, a->name));
		t = id && *id ? dm__strmap_get(ids, id) : NULL;
		if (!t || (const void *)t == (const void *)ambiguous_id || t == r)
			continue;
		dm__infer_scope(&x->run, t, &acc, &reg);
		if (reg && strcmp(reg, "global") == 0) {
			/* a global target (an IAM role) places only its own service's parts */
			const struct tinfo *tt = tinfo_of(&x->run, t);

			if (!tt || !tt->spec->service || !spec->service ||
			    strcmp(tt->spec->service, spec->service) != 0)
				reg = NULL;
		}
		if (!*region && reg)
			*region = reg;
		if (!*account && acc)
			*account = acc;
	}
}

/*
 * Group the state resources: one group per live object matched (several
 * states holding it become holders of one group), one group per distinct
 * unmatched object (keyed by type, key and account), one per standalone
 * sub-resource.
 */
static int group_state(struct runx *x, dm_strmap *smap, struct sgroup **out_groups,
		       size_t *out_n)
{
	dm_diffrun *run = &x->run;
	size_t i, n = dm_inventory_count(run->state), ng = 0;
	struct sgroup *groups = NULL, *g;
	char buf[KEY_MAX];

	*out_groups = NULL;
	*out_n = 0;
	if (!n)
		return 0;
	groups = dm__calloc(n, sizeof(*groups));
	if (!groups)
		return DM_ENOMEM;
	for (i = 0; i < n; i++) {
		const dm_resource *r = dm_inventory_at(run->state, i);
		const struct tinfo *ti;
		const char *parts[6], *account, *region, *key;
		dm_lent *e = NULL;
		char *dkey;

		if (!is_state_candidate(r))
			continue;
		ti = tinfo_of(run, r);
		if (!ti) {
			run->d->uncompared++;
			continue;
		}
		dm__infer_scope(run, r, &account, &region);
		if (!region)
			scope_from_refs(x, ti, r, &account, &region);
		key = canon_key(ti->spec, r, buf, sizeof(buf));
		if (ti->slot != SIZE_MAX) {
			for (e = dm__strmap_get(x->slots[ti->slot].map, key);
			     e && !live_compatible(e, account, region); e = e->next)
				;
		}
		if (e && e->group) {
			if (add_holder(e->group, i) < 0)
				goto nomem;
			continue;
		}
		if (!e) {
			parts[0] = r->provider;
			parts[1] = ti->slot != SIZE_MAX ? x->slots[ti->slot].live_type : r->type;
			parts[2] = key;
			parts[3] = account ? account : "";
			parts[4] = region ? region : "";
			parts[5] = (ti->spec->flags & DM_TYPE_SUBRESOURCE) ? subresource_parent(r) : "";
			dkey = join(run->scratch, parts, 6);
			if (!dkey)
				goto nomem;
			g = dm__strmap_get(smap, dkey);
			if (g) {
				if (add_holder(g, i) < 0)
					goto nomem;
				continue;
			}
			if (dm__strmap_put(smap, dkey, &groups[ng]) < 0)
				goto nomem;
		}
		g = &groups[ng++];
		g->first = r;
		g->spec = ti->spec;
		g->live = e;
		g->account = account;
		g->region = region;
		if (e)
			e->group = g;
	}
	*out_groups = groups;
	*out_n = ng;
	return 0;
nomem:
	for (i = 0; i < ng; i++)
		free(groups[i].holders);
	free(groups);
	return DM_ENOMEM;
}

json_t *dm__diff_view(const dm_resource *r, const char *const *keys)
{
	json_t *v;
	size_t i;

	if (r->attrs)
		return json_incref(r->attrs);
	v = json_object();
	for (i = 0; v && keys[i]; i++) {
		json_t *a = dm_resource_attr(r, keys[i]);
		if (a && json_object_set(v, keys[i], a) < 0) {
			json_decref(v);
			return NULL;
		}
	}
	return v;
}

/*
 * Compare one state resource with one live resource through the type spec.
 * Lazily loaded resources first take a fast path: when every compared
 * attribute has the same JSON text on both sides they are in sync without
 * materialising anything; otherwise only the compared attributes are
 * materialised (views).
 */
static int compare_pair(dm_diffrun *run, dm_pair *p, const dm_type_spec *spec,
			const dm_resource *s, const dm_resource *l)
{
	const char *keys[80];
	json_t *sv = NULL, *lv = NULL;
	size_t i, n = 0;
	int rc, has_tags = 0;

	if (!spec)
		return 0;
	if (s->attrs && l->attrs)
		return dm__compare_resource(run, p, spec, s->attrs, l->attrs);
	for (i = 0; i < spec->nattrs && n + 2 < sizeof(keys) / sizeof(keys[0]); i++) {
		const dm_attr_spec *a = &spec->attrs[i];
		if (a->cmp == DM_CMP_IGNORE || dm__atoms_owns(spec->type, a->name))
			continue;
		keys[n++] = a->name;
		if (a->cmp == DM_CMP_TAGS)
			has_tags = 1;
	}
	if (has_tags)
		keys[n++] = "tags_all";
	keys[n] = NULL;
	if (i == spec->nattrs && dm__raw_keys_equal(s, l, keys, n))
		return 0;
	sv = dm__diff_view(s, keys);
	lv = dm__diff_view(l, keys);
	if (!sv || !lv) {
		json_decref(sv);
		json_decref(lv);
		return DM_ENOMEM;
	}
	rc = dm__compare_resource(run, p, spec, sv, lv);
	json_decref(sv);
	json_decref(lv);
	return rc;
}

/* Compare a matched group: prefer a holder that is in sync. */
static int compare_group(dm_diffrun *run, const struct sgroup *g, dm_pair *p)
{
	size_t h;
	int rc;

	if (g->nholders) {
		rc = compare_pair(run, NULL, g->spec, g->first, p->live);
		if (rc < 0)
			return rc;
		for (h = 0; rc > 0 && h < g->nholders; h++) {
			const dm_resource *r = dm_inventory_at(run->state, g->holders[h]);
			const dm_type_spec *spec = dm__diff_spec(run, r);
			int c = compare_pair(run, NULL, spec, r, p->live);
			if (c < 0)
				return c;
			if (c == 0) {
				p->state = r;
				return 0;
			}
		}
	}
	rc = compare_pair(run, p, g->spec, p->state, p->live);
	return rc < 0 ? rc : 0;
}

static int finish_pair(dm_diffrun *run, dm_pair *p)
{
	dm_finding *f;

	if (!filter_changes(run, p)) {
		run->d->summary.in_sync++;
		return 0;
	}
	f = new_finding(run, DM_FINDING_CHANGED, p->state, p->live, p->account, p->region);
	if (!f)
		return DM_ENOMEM;
	f->changes = p->changes;
	f->nchanges = p->nchanges;
	p->changes = NULL;
	p->nchanges = p->capchanges = 0;
	return 0;
}

int dm_diff(dm_drift **out, dm_ctx *ctx, const dm_inventory *state, const dm_inventory *live,
	    const dm_diff_options *opts)
{
	struct runx x;
	dm_diffrun *run = &x.run;
	dm_drift *d = NULL;
	dm_strmap *smap = NULL;
	struct sgroup *groups = NULL;
	dm_pair *pairs = NULL;
	size_t ngroups = 0, npairs = 0, i;
	dm_summary *sum;
	int rc = 0;

	if (!out || !state || !live)
		return dm__error(ctx, DM_EINVAL, "diff: missing state or live inventory");
	*out = NULL;
	memset(&x, 0, sizeof(x));
	d = dm__calloc(1, sizeof(*d));
	if (!d || dm__arena_new(&d->arena) < 0 || dm__arena_new(&run->scratch) < 0)
		goto nomem;
	d->state = state;
	d->live = live;
	run->ctx = ctx;
	run->d = d;
	run->state = state;
	run->live = live;
	run->opts = opts;
	run->keep = d->arena;
	sum = &d->summary;

	if (build_typemaps(&x, opts) < 0 || dm__strmap_new(&smap, dm_inventory_count(state)) < 0 ||
	    dm__strmap_new(&run->complete, 64) < 0)
		goto nomem;

	if (index_live(&x) < 0)
		goto nomem;
	if (group_state(&x, smap, &groups, &ngroups) < 0)
		goto nomem;
	if (ngroups) {
		pairs = dm__calloc(ngroups, sizeof(*pairs));
		if (!pairs)
			goto nomem;
	}

	/* 1. match whole resources; standalone sub-resources wait for the atoms */
	for (i = 0; i < ngroups; i++) {
		const struct sgroup *g = &groups[i];
		dm_pair *p = &pairs[npairs];
		dm_lent *e;

		memset(p, 0, sizeof(*p));
		p->state = g->first;
		p->account = g->account;
		p->region = g->region;
		if (g->spec->flags & DM_TYPE_SUBRESOURCE) {
			p->standalone = 1;
			npairs++;
			continue;
		}
		e = g->live;
		if (!e) {
			const char *lt = g->spec->live_type ? g->spec->live_type : g->first->type;
			if (dm__diff_complete(run, g->first->provider, g->account, g->region, lt) == 1) {
				sum->managed++;
				if (!new_finding(run, DM_FINDING_MISSING, g->first, NULL, g->account,
						 g->region))
					goto fail;
			}
			continue;
		}
		p->live = e->r;
		e->pair = p;
		e->by_default_obj = (g->spec->flags & DM_TYPE_DEFAULT_OBJ) != 0;
		npairs++;
		sum->managed++;
		rc = compare_group(run, g, p);
		if (rc < 0)
			goto fail;
	}

	/* 2. coverage of sub-resources */
	rc = dm__atoms_run(run, pairs, npairs);
	if (rc < 0)
		goto fail;

	/* 3. changed / in sync */
	for (i = 0; i < npairs; i++) {
		dm_pair *p = &pairs[i];
		if (p->standalone) {
			const dm_type_spec *spec;
			if (p->atoms_total == 0)
				continue; /* nothing driftmap can see live (e.g. user attachments) */
			if (p->atoms_found == 0) {
				spec = dm__diff_spec(run, p->state);
				if (dm__diff_complete(run, p->state->provider, p->account, p->region,
						      spec && spec->live_type ? spec->live_type
									      : p->state->type) == 1) {
					sum->managed++;
					if (dm__diff_missing(run, p) < 0)
						goto nomem;
				}
				continue;
			}
			sum->managed++;
		}
		if (finish_pair(run, p) < 0)
			goto nomem;
	}

	/* 4. unmanaged */
	for (i = 0; i < run->nlents; i++) {
		const dm_lent *e = &run->lents[i];
		if (!e->spec || e->pair || (e->spec->flags & (DM_TYPE_SUBRESOURCE | DM_TYPE_NO_UNMANAGED)))
			continue;
		if (cloud_created(e->spec, e->r))
			continue;
		if (dm__diff_complete(run, e->r->provider, e->r->account, e->r->region, e->r->type) != 1)
			continue;
		if (!new_finding(run, DM_FINDING_UNMANAGED, NULL, e->r, NULL, NULL))
			goto fail;
	}

	/* 5. counts, severity, fingerprints, order */
	for (i = 0; i < d->nfindings; i++) {
		dm_finding *f = &d->findings[i];
		if (f->ignored) {
			sum->ignored++;
		} else if (f->kind == DM_FINDING_UNMANAGED) {
			sum->unmanaged++;
		} else if (f->kind == DM_FINDING_MISSING) {
			sum->missing++;
		} else {
			sum->changed++;
		}
		f->severity = dm__finding_severity(f);
		fingerprint(f);
	}
	if (d->nfindings > 1)
		qsort(d->findings, d->nfindings, sizeof(dm_finding), finding_cmp);
	sum->coverage = (sum->managed + sum->unmanaged) ?
		(double)sum->managed / (double)(sum->managed + sum->unmanaged) : 1.0;
	sum->complete = 1;
	for (i = 0; i < dm_inventory_scope_count(live); i++)
		if (!dm_inventory_scope_at(live, i)->complete)
			sum->complete = 0;
	*out = d;
	d = NULL;
	rc = 0;
	goto done;

nomem:
	rc = dm__error(ctx, DM_ENOMEM, "diff: out of memory");
	goto done;
fail:
	if (rc >= 0)
		rc = DM_ENOMEM;
done:
	for (i = 0; i < npairs; i++)
		changes_free(pairs[i].changes, pairs[i].nchanges);
	free(pairs);
	for (i = 0; i < ngroups; i++)
		free(groups[i].holders);
	free(groups);
	free(run->lents);
	dm__strmap_free(smap);
	dm__strmap_free(x.ids);
	for (i = 0; i < x.nslots; i++)
		dm__strmap_free(x.slots[i].map);
	free(x.slots);
	dm__strmap_free(run->complete);
	for (i = 0; i < x.nmaps; i++) {
		dm__strmap_free(x.maps[i].bytype);
		free(x.maps[i].infos);
	}
	free(x.maps);
	dm__arena_free(run->scratch);
	dm_drift_free(d);
	return rc;
}
