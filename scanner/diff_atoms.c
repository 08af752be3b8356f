/*
 * driftmap — sub-resources matched by coverage (docs/live-model.md).
 *
 * Terraform has several representations of one real object (an SG rule can
 * be an inline block, an aws_security_group_rule or an
 * aws_vpc_security_group_ingress_rule). The live side emits the parent with
 * every child inline; here both sides are exploded into atoms with a
 * canonical key and matched through one hash map:
 *
 *   atom                 key
 *   SG rule              group, direction, protocol, from, to, one source
 *   route                route table, destination
 *   policy attachment    role / user / group, policy ARN
 *   inline policy        role / user / group, policy name
 *   group membership     group, user
 *   NACL rule            acl, direction, rule number
 *   NACL association     acl, subnet
 *
 * A live atom no state representation covers is a change (op add) on the
 * managed parent; a state atom that is not live is a change (op remove) on
 * an inline parent, or makes a standalone resource missing (all its atoms
 * gone) or changed (some gone). Attributes that are not part of the key
 * (description, route target, policy document, NACL rule body) are compared
 * where both sides have them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "diff_internal.h"

#define AKEY_MAX 1024

enum { AT_SG = 1, AT_ROUTE, AT_ATTACH, AT_INLINE, AT_NACL, AT_ASSOC, AT_MEMBER };

struct atom {
	const char *key;
	int kind;
	const char *path;        /* attribute on the declaring resource ("ingress", "cidr_blocks") */
	struct aval {            /* a value from a jansson tree or the raw text */
		const json_t *j;
		dm_jspan s;      /* s.p != NULL: a span of a lazily loaded resource */
	} block;                 /* the JSON block it came from (inline), else empty */
	const char *owner;       /* group / route table / role / acl id */
	char ns;                 /* IAM principal kind of owner: 0 role, 'u' user, 'g' group */
	const char *p1;          /* SG description, route target, inline policy, NACL action */
	const char *p1key;       /* route: target attribute name */
	const char *src;         /* SG source, route destination, policy ARN, policy name, subnet */
	const char *cidr, *ipv6; /* NACL */
	char srckind;            /* SG: c 6 p s S(self); route: c 6 p */
	int egress;
	char proto[16];
	long long from, to, icmp_type, icmp_code, rule_no;
	const dm_lent *lent;     /* live parent */
	struct atom *next;       /* same key (live map) */
	struct atom *all;        /* every live atom, in order */
	int covered;
};

struct actx {
	dm_diffrun *run;
	int live;                /* exploding the live side */
	const dm_lent *lent;     /* live: the parent */
	dm_pair *pair;           /* state: the declaring resource's pair */
	int standalone;
	dm_strmap *map;
	int collect;             /* only record owners with standalone representations */
	dm_strmap *owners;       /* "kind\x1fowner" of those */
	struct atom *first_all, *last_all;
	struct atom *gone;       /* standalone: atoms not found live (array) */
	size_t ngone, capgone;
	int rc;
};

/* ---- normalisation ------------------------------------------------------- */

static void lower_copy(const char *p, char out[16])
{
	size_t i;

	for (i = 0; p && p[i] && i < 15; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[i] = '\0';
}

void dm__sg_proto_norm(const char *p, char out[16])
{
	lower_copy(p, out);
	if (strcmp(out, "all") == 0 || strcmp(out, "-1") == 0)
		memcpy(out, "-1", 3);
	else if (strcmp(out, "6") == 0)
		memcpy(out, "tcp", 4);
	else if (strcmp(out, "17") == 0)
		memcpy(out, "udp", 4);
	else if (strcmp(out, "1") == 0)
		memcpy(out, "icmp", 5);
	else if (strcmp(out, "58") == 0)
		memcpy(out, "icmpv6", 7);
}

void dm__nacl_proto_norm(const char *p, char out[16])
{
	lower_copy(p, out);
	if (strcmp(out, "all") == 0 || strcmp(out, "-1") == 0)
		memcpy(out, "-1", 3);
	else if (strcmp(out, "tcp") == 0)
		memcpy(out, "6", 2);
	else if (strcmp(out, "udp") == 0)
		memcpy(out, "17", 3);
	else if (strcmp(out, "icmp") == 0)
		memcpy(out, "1", 2);
	else if (strcmp(out, "icmpv6") == 0)
		memcpy(out, "58", 3);
}

/* ---- values: jansson trees or raw text ----------------------------------------
 *
 * Providers hand over jansson trees; states and inventory files keep their
 * attributes as raw text (scanner/util/jscan.c). The exploders read both
 * through these accessors, so a lazily loaded parent is never materialised
 * just to enumerate its rules: strings are decoded into the run's arena.
 */

typedef struct aval aval;

static const aval AV_NONE;

static dm_jtype av_type(aval v)
{
	if (v.s.p)
		return dm__jspan_type(v.s);
	switch (v.j ? json_typeof(v.j) : JSON_NULL) {
	case JSON_OBJECT:
		return DM_J_OBJECT;
	case JSON_ARRAY:
		return DM_J_ARRAY;
	case JSON_STRING:
		return DM_J_STRING;
	case JSON_INTEGER:
	case JSON_REAL:
		return DM_J_NUMBER;
	case JSON_TRUE:
		return DM_J_TRUE;
	case JSON_FALSE:
		return DM_J_FALSE;
	default:
		return v.j ? DM_J_NULL : DM_J_INVALID;
	}
}

static aval av_get(aval o, const char *key)
{
	aval v = AV_NONE;

	if (o.s.p) {
		dm_jspan m;
		if (dm__jspan_type(o.s) == DM_J_OBJECT && dm__jspan_get(o.s, key, &m))
			v.s = m;
	} else {
		v.j = json_object_get(o.j, key);
	}
	return v;
}

/* An attribute of a resource, read without materialising a lazy one. */

/* Several members of an object at once (one pass over raw text). */
static void av_fetch(aval o, const char *const *keys, size_t n, aval *out)
{
	dm_jspan spans[32];
	unsigned char found[32];
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = AV_NONE;
	if (!o.s.p) {
		for (i = 0; i < n; i++)
			out[i].j = json_object_get(o.j, keys[i]);
		return;
	}
	if (n > 32 || dm__jspan_type(o.s) != DM_J_OBJECT)
		return;
	dm__jspan_get_many(o.s, keys, n, spans, found);
	for (i = 0; i < n; i++)
		if (found[i])
			out[i].s = spans[i];
}

static aval res_obj(const dm_resource *r)
{
	aval o = AV_NONE;

	if (!dm__resource_raw(r, &o.s))
		o.j = r->attrs;
	return o;
}

static aval res_get(const dm_resource *r, const char *key)
{
	return av_get(res_obj(r), key);
}

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

typedef struct aiter {
	aval arr;
	size_t i;
	dm_jiter it;
	int ok;
} aiter;

static void ai_init(aiter *it, aval arr)
{
	memset(it, 0, sizeof(*it));
	it->arr = arr;
	it->ok = av_type(arr) == DM_J_ARRAY;
	if (it->ok && arr.s.p)
		dm__jiter_init(&it->it, arr.s);
}

static int ai_next(aiter *it, aval *out)
{
	*out = AV_NONE;
	if (!it->ok)
		return 0;
	if (it->arr.s.p)
		return dm__jiter_element(&it->it, &out->s);
	if (it->i >= json_array_size(it->arr.j))
		return 0;
	out->j = json_array_get(it->arr.j, it->i++);
	return 1;
}

/* The string value (NULL for non-strings and ""), as dm__json_str; spans are decoded into the arena. */
static const char *av_str(struct actx *ax, aval v)
{
	const char *out;

	if (!v.s.p)
		return dm__json_str(v.j);
	if (dm__jspan_type(v.s) != DM_J_STRING || v.s.len <= 2)
		return NULL;
	out = dm__jspan_arena_str(ax->run->scratch, v.s);
	if (!out)
		ax->rc = DM_ENOMEM;
	return (out && *out) ? out : NULL;
}

/* A number span as a double and, when it is an integer literal, as a long long. */
static int span_number(dm_jspan s, double *d, long long *ll, int *is_int)
{
	char buf[64], *end;

	if (s.len >= sizeof(buf))
		return -1;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	*is_int = strpbrk(buf, ".eE") == NULL;
	if (*is_int) {
		errno = 0;
		*ll = strtoll(buf, &end, 10);
		if (errno == 0 && *end == '\0') {
			*d = (double)*ll;
			return 0;
		}
		*is_int = 0; /* out of range: jansson reads it as a real */
	}
	*d = strtod(buf, &end);
	/* the cast is only defined inside long long's range (2^63 is exact as a double) */
	*ll = *d >= -9223372036854775808.0 && *d < 9223372036854775808.0 ? (long long)*d : 0;
	return *end == '\0' ? 0 : -1;
}

/* Text of a scalar, as dm__scalar_text. */
static const char *av_scalar(struct actx *ax, aval v, char *buf, size_t cap)
{
	double d;
	long long ll;
	int is_int;

	if (!v.s.p)
		return v.j ? dm__scalar_text(v.j, buf, cap) : NULL;
	switch (dm__jspan_type(v.s)) {
	case DM_J_STRING: {
		const char *t = av_str(ax, v);
		return t ? t : "";
	}
	case DM_J_NUMBER:
		if (span_number(v.s, &d, &ll, &is_int) < 0)
			return NULL;
		if (is_int)
			snprintf(buf, cap, "%lld", ll);
		else if (d > -9e15 && d < 9e15 && d == (double)(long long)d) /* range first: the cast of a bigger d is undefined */
			snprintf(buf, cap, "%lld", (long long)d);
		else
			snprintf(buf, cap, "%.17g", d);
		return buf;
	case DM_J_TRUE:
		return "true";
	case DM_J_FALSE:
		return "false";
	default:
		return NULL;
	}
}

static const char *proto_text(struct actx *ax, aval v, char *buf, size_t cap)
{
	const char *t = av_scalar(ax, v, buf, cap);
	return t ? t : "";
}

/* Integer of a number or numeric string (as dm__json_ll), else dflt. */
static long long num_or(struct actx *ax, aval v, long long dflt)
{
	double d;
	long long n;
	int is_int;

	if (!v.s.p)
		return dm__json_ll(v.j, &n) == 0 ? n : dflt;
	switch (dm__jspan_type(v.s)) {
	case DM_J_NUMBER:
		return span_number(v.s, &d, &n, &is_int) == 0 ? n : dflt;
	case DM_J_STRING: {
		const char *t = av_str(ax, v);
		return (t && dm__parse_ll(t, &n) == 0) ? n : dflt;
	}
	default:
		return dflt;
	}
}

static int truthy(aval v)
{
	if (!v.s.p)
		return json_is_true(v.j) ||
		       (json_is_string(v.j) && strcmp(json_string_value(v.j), "true") == 0);
	return dm__jspan_type(v.s) == DM_J_TRUE ||
	       (dm__jspan_type(v.s) == DM_J_STRING && dm__jspan_streq(v.s, "true"));
}

static void sg_ports(struct actx *ax, struct atom *a, aval from, aval to)
{
	if (strcmp(a->proto, "-1") == 0) {
		a->from = a->to = 0;
	} else if (strcmp(a->proto, "icmp") == 0 || strcmp(a->proto, "icmpv6") == 0) {
		a->from = num_or(ax, from, -1);
		a->to = num_or(ax, to, -1);
	} else if (strcmp(a->proto, "tcp") == 0 || strcmp(a->proto, "udp") == 0) {
		a->from = num_or(ax, from, 0);
		a->to = num_or(ax, to, 0);
	} else {
		a->from = a->to = 0; /* other protocols have no ports */
	}
}

/* "123456789012/sg-1" -> "sg-1" */
static const char *strip_owner(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? slash + 1 : s;
}

static const char *src_prefix(char k)
{
	switch (k) {
	case 'c':
		return "cidr:";
	case '6':
		return "ipv6:";
	case 'p':
		return "pl:";
	default:
		return "sg:";
	}
}

/* ---- atom → JSON (only when a change is reported) ----------------------------- */

static json_t *sg_atom_json(const struct atom *a)
{
	json_t *o = json_object();
	const char *attr = NULL;

	if (!o)
		return NULL;
	json_object_set_new(o, "protocol", json_string(a->proto));
	json_object_set_new(o, "from_port", json_integer(a->from));
	json_object_set_new(o, "to_port", json_integer(a->to));
	switch (a->srckind) {
	case 'c':
		attr = "cidr_blocks";
		break;
	case '6':
		attr = "ipv6_cidr_blocks";
		break;
	case 'p':
		attr = "prefix_list_ids";
		break;
	case 's':
		attr = "security_groups";
		break;
	default:
		json_object_set_new(o, "self", json_true());
		break;
	}
	if (attr)
		json_object_set_new(o, attr, json_pack("[s]", a->src));
	if (a->p1 && *a->p1)
		json_object_set_new(o, "description", json_string(a->p1));
	return o;
}

static json_t *atom_json(const struct atom *a)
{
	if (a->kind == AT_SG)
		return sg_atom_json(a);
	if (a->kind == AT_ATTACH || a->kind == AT_ASSOC)
		return json_string(a->src);
	if (a->kind == AT_MEMBER)
		return json_string(a->p1 ? a->p1 : a->src);
	if (a->block.s.p)
		return dm__jspan_to_json(a->block.s);
	if (a->block.j)
		return json_incref((json_t *)a->block.j);
	switch (a->kind) {
	case AT_ROUTE:
		return json_pack("{s:s, s:s}", a->srckind == 'c' ? "destination_cidr_block" :
					  a->srckind == '6' ? "destination_ipv6_cidr_block" :
							      "destination_prefix_list_id",
				 a->src, a->p1key ? a->p1key : "target", a->p1 ? a->p1 : "");
	case AT_INLINE:
		return json_pack("{s:s, s:s}", "name", a->src, "policy", a->p1 ? a->p1 : "");
	case AT_NACL:
		return json_pack("{s:I, s:b, s:s, s:s, s:s, s:s, s:I, s:I}", "rule_number",
				 (json_int_t)a->rule_no, "egress", a->egress, "rule_action",
				 a->p1 ? a->p1 : "", "protocol", a->proto, "cidr_block",
				 a->cidr ? a->cidr : "", "ipv6_cidr_block", a->ipv6 ? a->ipv6 : "",
				 "from_port", (json_int_t)a->from, "to_port", (json_int_t)a->to);
	default:
		return json_null();
	}
}

/* ---- payload comparison ------------------------------------------------------- */

static int streq0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* NULL when equal, else the (standalone) attribute that differs. */
static const char *payload_diff(const struct atom *s, const struct atom *l)
{
	switch (s->kind) {
	case AT_SG:
		if (s->p1 && *s->p1 && l->p1 && *l->p1 && strcmp(s->p1, l->p1) != 0)
			return "description";
		return NULL;
	case AT_ROUTE:
		if (s->p1 && *s->p1 && l->p1 && *l->p1 && strcmp(s->p1, l->p1) != 0)
			return s->p1key ? s->p1key : "target";
		return NULL;
	case AT_INLINE:
		return dm_policy_equal(s->p1, l->p1) ? NULL : "policy";
	case AT_NACL:
		if (strcasecmp(s->p1 ? s->p1 : "", l->p1 ? l->p1 : "") != 0)
			return "rule_action";
		if (strcmp(s->proto, l->proto) != 0)
			return "protocol";
		if (!streq0(s->cidr, l->cidr))
			return "cidr_block";
		if (!streq0(s->ipv6, l->ipv6))
			return "ipv6_cidr_block";
		if (s->from != l->from)
			return "from_port";
		if (s->to != l->to)
			return "to_port";
		if (s->icmp_type != l->icmp_type)
			return "icmp_type";
		if (s->icmp_code != l->icmp_code)
			return "icmp_code";
		return NULL;
	default:
		return NULL;
	}
}

/* ---- emitting atoms ------------------------------------------------------------- */

/* Roles keep the bare name in the key; users and groups share no key space with roles. */
static const char *ns_prefix(char ns)
{
	return ns == 'u' ? "user\x1e" : ns == 'g' ? "group\x1e" : "";
}

static int make_key(struct atom *a, char *buf, size_t cap)
{
	int n;

	switch (a->kind) {
	case AT_SG:
		n = snprintf(buf, cap, "sg\x1f%s\x1f%s\x1f%s\x1f%lld\x1f%lld\x1f%s%s", a->owner,
			     a->egress ? "eg" : "in", a->proto, a->from, a->to,
			     src_prefix(a->srckind), a->src);
		break;
	case AT_ROUTE:
		n = snprintf(buf, cap, "rt\x1f%s\x1f%s%s", a->owner, src_prefix(a->srckind), a->src);
		break;
	case AT_ATTACH:
		n = snprintf(buf, cap, "pa\x1f%s%s\x1f%s", ns_prefix(a->ns), a->owner, a->src);
		break;
	case AT_INLINE:
		n = snprintf(buf, cap, "ip\x1f%s%s\x1f%s", ns_prefix(a->ns), a->owner, a->src);
		break;
	case AT_MEMBER:
		n = snprintf(buf, cap, "gm\x1f%s\x1f%s", a->owner, a->src);
		break;
	case AT_NACL:
		n = snprintf(buf, cap, "nr\x1f%s\x1f%s\x1f%lld", a->owner, a->egress ? "eg" : "in",
			     a->rule_no);
		break;
	default:
		n = snprintf(buf, cap, "na\x1f%s\x1f%s", a->owner, a->src);
		break;
	}
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

static int add_live(struct actx *ax, struct atom *a)
{
	struct atom *c, *head;

	c = dm__arena_alloc(ax->run->scratch, sizeof(*c));
	if (!c)
		return DM_ENOMEM;
	*c = *a;
	c->key = dm__arena_strdup(ax->run->scratch, a->key);
	if (!c->key)
		return DM_ENOMEM;
	c->lent = ax->lent;
	head = dm__strmap_get(ax->map, c->key);
	if (head) {
		c->next = head->next;
		head->next = c;
	} else if (dm__strmap_put(ax->map, c->key, c) < 0) {
		return DM_ENOMEM;
	}
	if (ax->last_all)
		ax->last_all->all = c;
	else
		ax->first_all = c;
	ax->last_all = c;
	return 0;
}

static int owner_key(const struct atom *a, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%d\x1f%s%s", a->kind, ns_prefix(a->ns), a->owner);
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Record that a standalone resource manages children of a->owner. */
static int collect_owner(struct actx *ax, const struct atom *a)
{
	char buf[AKEY_MAX];
	const char *k;

	if (owner_key(a, buf, sizeof(buf)) < 0 || dm__strmap_get(ax->owners, buf))
		return 0;
	k = dm__arena_strdup(ax->run->scratch, buf);
	if (!k)
		return DM_ENOMEM;
	return dm__strmap_put(ax->owners, k, (void *)1);
}

/*
 * Children of this parent are managed as standalone resources: the parent's
 * inline list in state is then only what the provider read (it can be stale
 * right after an apply), never a claim that the child exists.
 */
static int owner_has_standalone(const struct actx *ax, const struct atom *a)
{
	char buf[AKEY_MAX];

	return owner_key(a, buf, sizeof(buf)) == 0 && dm__strmap_get(ax->owners, buf) != NULL;
}

static int resolve_state(struct actx *ax, struct atom *a)
{
	dm_diffrun *run = ax->run;
	dm_pair *p = ax->pair;
	struct atom *l = dm__strmap_get(ax->map, a->key), *x;
	const char *diff;

	p->atoms_total++;
	if (!l) {
		if (ax->standalone) {
			if (dm__grow((void **)&ax->gone, &ax->capgone, ax->ngone + 1, sizeof(*a)) < 0)
				return DM_ENOMEM;
			ax->gone[ax->ngone++] = *a;
			return 0;
		}
		if (owner_has_standalone(ax, a))
			return 0;
		return dm__pair_change(run, p, a->path, DM_OP_REMOVE, atom_json(a), NULL);
	}
	p->atoms_found++;
	for (x = l; x; x = x->next)
		x->covered = 1;
	if (ax->standalone && !p->live && l->lent)
		p->live = l->lent->r;
	diff = payload_diff(a, l);
	if (!diff)
		return 0;
	return dm__pair_change(run, p, ax->standalone ? diff : a->path, DM_OP_REPLACE,
			       atom_json(a), atom_json(l));
}

static void emit_atom(struct actx *ax, struct atom *a)
{
	char key[AKEY_MAX];

	if (ax->rc < 0 || !a->owner || !*a->owner || !a->src)
		return;
	if (make_key(a, key, sizeof(key)) < 0)
		return; /* absurdly long ids cannot match anything */
	a->key = key;
	if (ax->collect)
		ax->rc = collect_owner(ax, a);
	else
		ax->rc = ax->live ? add_live(ax, a) : resolve_state(ax, a);
	a->key = NULL;
}

/* ---- exploders ----------------------------------------------------------------------- */

static void sg_source(struct actx *ax, struct atom *a, char kind, const char *v)
{
	if (!v || !*v)
		return;
	a->srckind = kind;
	if (kind == 's')
		v = strip_owner(v);
	a->src = v;
	emit_atom(ax, a);
}

static void sg_list(struct actx *ax, struct atom *a, char kind, aval arr, const char *path)
{
	aiter it;
	aval e;

	if (path)
		a->path = path;
	if (av_type(arr) == DM_J_STRING) {
		sg_source(ax, a, kind, av_str(ax, arr));
		return;
	}
	for (ai_init(&it, arr); ai_next(&it, &e);)
		sg_source(ax, a, kind, av_str(ax, e));
}

static void explode_sg_inline(struct actx *ax, const char *gid, const dm_resource *r)
{
	static const char *const dirs[] = { "ingress", "egress" };
	static const char *const keys[] = { "protocol", "from_port", "to_port", "description",
					    "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids",
					    "security_groups", "self" };
	aval top[2], f[NKEYS(keys)];
	char pbuf[40];
	size_t d;

	av_fetch(res_obj(r), dirs, 2, top);
	for (d = 0; d < 2; d++) {
		aiter it;
		aval b;
		for (ai_init(&it, top[d]); ai_next(&it, &b);) {
			struct atom a;
			if (av_type(b) != DM_J_OBJECT)
				continue;
			av_fetch(b, keys, NKEYS(keys), f);
			memset(&a, 0, sizeof(a));
			a.kind = AT_SG;
			a.owner = gid;
			a.egress = (int)d;
			a.path = dirs[d];
			a.block = b;
			dm__sg_proto_norm(proto_text(ax, f[0], pbuf, sizeof(pbuf)), a.proto);
			sg_ports(ax, &a, f[1], f[2]);
			a.p1 = av_str(ax, f[3]);
			sg_list(ax, &a, 'c', f[4], NULL);
			sg_list(ax, &a, '6', f[5], NULL);
			sg_list(ax, &a, 'p', f[6], NULL);
			sg_list(ax, &a, 's', f[7], NULL);
			if (truthy(f[8]))
				sg_source(ax, &a, 'S', gid);
		}
	}
}

static void explode_sg_rule(struct actx *ax, const dm_resource *r)
{
	static const char *const keys[] = { "type", "security_group_id", "protocol", "from_port",
					    "to_port", "description", "cidr_blocks",
					    "ipv6_cidr_blocks", "prefix_list_ids",
					    "source_security_group_id", "self" };
	aval f[NKEYS(keys)];
	const char *type;
	char pbuf[40];
	struct atom a;

	av_fetch(res_obj(r), keys, NKEYS(keys), f);
	type = av_str(ax, f[0]);
	memset(&a, 0, sizeof(a));
	a.kind = AT_SG;
	a.owner = av_str(ax, f[1]);
	if (!type || !a.owner)
		return;
	a.egress = strcmp(type, "egress") == 0;
	dm__sg_proto_norm(proto_text(ax, f[2], pbuf, sizeof(pbuf)), a.proto);
	sg_ports(ax, &a, f[3], f[4]);
	a.p1 = av_str(ax, f[5]);
	sg_list(ax, &a, 'c', f[6], "cidr_blocks");
	sg_list(ax, &a, '6', f[7], "ipv6_cidr_blocks");
	sg_list(ax, &a, 'p', f[8], "prefix_list_ids");
	a.path = "source_security_group_id";
	sg_source(ax, &a, 's', av_str(ax, f[9]));
	if (truthy(f[10])) {
		a.path = "self";
		sg_source(ax, &a, 'S', a.owner);
	}
}

static void explode_vpc_sg_rule(struct actx *ax, const dm_resource *r, int egress)
{
	static const char *const keys[] = { "security_group_id", "ip_protocol", "from_port",
					    "to_port", "description", "cidr_ipv4", "cidr_ipv6",
					    "prefix_list_id", "referenced_security_group_id" };
	aval f[NKEYS(keys)];
	char pbuf[40];
	struct atom a;
	size_t i;

	av_fetch(res_obj(r), keys, NKEYS(keys), f);
	memset(&a, 0, sizeof(a));
	a.kind = AT_SG;
	a.owner = av_str(ax, f[0]);
	a.egress = egress;
	dm__sg_proto_norm(proto_text(ax, f[1], pbuf, sizeof(pbuf)), a.proto);
	sg_ports(ax, &a, f[2], f[3]);
	a.p1 = av_str(ax, f[4]);
	for (i = 5; i < NKEYS(keys); i++) {
		a.path = keys[i];
		sg_source(ax, &a, "c6ps"[i - 5], av_str(ax, f[i]));
	}
}

static const char *const route_targets[] = {
	"gateway_id", "nat_gateway_id", "transit_gateway_id", "vpc_peering_connection_id",
	"vpc_endpoint_id", "egress_only_gateway_id", "carrier_gateway_id", "local_gateway_id",
	"core_network_arn", "network_interface_id", "instance_id"
};

#define NTARGETS NKEYS(route_targets)

/* obj: an inline route block or an aws_route; kc/k6/kp: its destination attributes. */
static void route_emit(struct actx *ax, struct atom *a, aval obj, const char *kc,
		       const char *k6, const char *kp)
{
	static const char kinds[3] = { 'c', '6', 'p' };
	const char *keys[NTARGETS + 3];
	aval f[NTARGETS + 3];
	const char *v;
	size_t i;

	for (i = 0; i < NTARGETS; i++)
		keys[i] = route_targets[i];
	keys[NTARGETS] = kc;
	keys[NTARGETS + 1] = k6;
	keys[NTARGETS + 2] = kp;
	av_fetch(obj, keys, NTARGETS + 3, f);
	for (i = 0; i < NTARGETS; i++) {
		v = av_str(ax, f[i]);
		if (v) {
			a->p1 = v;
			a->p1key = route_targets[i];
			break;
		}
	}
	if (a->p1 && strcmp(a->p1, "local") == 0)
		return; /* the local route is AWS's own */
	for (i = 0, v = NULL; i < 3 && !v; i++) {
		v = av_str(ax, f[NTARGETS + i]);
		a->srckind = kinds[i];
	}
	if (!v)
		return;
	a->src = v;
	emit_atom(ax, a);
}

static void explode_routes_inline(struct actx *ax, const char *rtb, const dm_resource *r)
{
	aiter it;
	aval b;

	for (ai_init(&it, res_get(r, "route")); ai_next(&it, &b);) {
		struct atom a;
		if (av_type(b) != DM_J_OBJECT)
			continue;
		memset(&a, 0, sizeof(a));
		a.kind = AT_ROUTE;
		a.owner = rtb;
		a.path = "route";
		a.block = b;
		route_emit(ax, &a, b, "cidr_block", "ipv6_cidr_block", "destination_prefix_list_id");
	}
}

static void explode_route(struct actx *ax, const dm_resource *r)
{
	aval o = res_obj(r);
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_ROUTE;
	a.owner = av_str(ax, av_get(o, "route_table_id"));
	a.path = "route_table_id";
	route_emit(ax, &a, o, "destination_cidr_block", "destination_ipv6_cidr_block",
		   "destination_prefix_list_id");
}

/*
 * State atoms of users and groups count only where the live side enumerated
 * that type completely: an inventory without IAM users (an older provider, a
 * saved file) cannot tell that a user attachment is gone.
 */
static int principal_seen(struct actx *ax, char ns)
{
	if (ax->live || !ns || !ax->pair)
		return 1;
	return dm__diff_complete(ax->run, "aws", ax->pair->account, ax->pair->region,
				 ns == 'u' ? "aws_iam_user" : "aws_iam_group") == 1;
}

static void attach_emit(struct actx *ax, char ns, const char *role, const char *arn,
			const char *path)
{
	struct atom a;

	if (!principal_seen(ax, ns))
		return;
	memset(&a, 0, sizeof(a));
	a.kind = AT_ATTACH;
	a.ns = ns;
	a.owner = role;
	a.src = arn;
	a.path = path;
	emit_atom(ax, &a);
}

static void inline_emit(struct actx *ax, char ns, const char *role, const char *name,
			const char *policy, aval block, const char *path)
{
	struct atom a;

	if (!name || !*name)
		return; /* provider 3.x/4.x placeholder [{"name":"","policy":""}] */
	if (!principal_seen(ax, ns))
		return;
	memset(&a, 0, sizeof(a));
	a.kind = AT_INLINE;
	a.ns = ns;
	a.owner = role;
	a.src = name;
	a.p1 = policy;
	a.block = block;
	a.path = path;
	emit_atom(ax, &a);
}

/* user is in group: path/shown are the declaring attribute and the value reported */
static void member_emit(struct actx *ax, const char *group, const char *user, const char *path,
			const char *shown)
{
	struct atom a;

	if (!principal_seen(ax, 'u'))
		return;
	memset(&a, 0, sizeof(a));
	a.kind = AT_MEMBER;
	a.owner = group;
	a.src = user;
	a.p1 = shown;
	a.path = path;
	emit_atom(ax, &a);
}

/* A role (ns 0), user ('u') or group ('g') with its attachments and inline policies inline. */
static void explode_principal(struct actx *ax, char ns, const char *name, const dm_resource *r)
{
	aiter it;
	aval e;

	for (ai_init(&it, res_get(r, "managed_policy_arns")); ai_next(&it, &e);)
		attach_emit(ax, ns, name, av_str(ax, e), "managed_policy_arns");
	for (ai_init(&it, res_get(r, "inline_policy")); ai_next(&it, &e);)
		inline_emit(ax, ns, name, av_str(ax, av_get(e, "name")),
			    av_str(ax, av_get(e, "policy")), e, "inline_policy");
	if (ns != 'u')
		return;
	for (ai_init(&it, res_get(r, "groups")); ai_next(&it, &e);) {
		const char *g = av_str(ax, e);
		member_emit(ax, g, name, "groups", g);
	}
}

static void explode_role(struct actx *ax, const char *role, const dm_resource *r)
{
	explode_principal(ax, 0, role, r);
}

/* aws_iam_{role,user,group}_policy: PRINCIPAL:NAME ids, attributes preferred. */
static void explode_inline_policy(struct actx *ax, char ns, const char *owner_attr,
				  const dm_resource *r)
{
	const char *name = av_str(ax, res_get(r, "name"));
	const char *owner = av_str(ax, res_get(r, owner_attr));
	const char *colon = strchr(r->id, ':');

	if ((!name || !owner) && colon) {
		if (!name)
			name = colon + 1;
		if (!owner)
			owner = dm__arena_strndup(ax->run->scratch, r->id, (size_t)(colon - r->id));
	}
	inline_emit(ax, ns, owner, name, av_str(ax, res_get(r, "policy")), AV_NONE, "policy");
}

static void nacl_fill(struct actx *ax, struct atom *a, aval o, const char *kproto,
		      const char *kaction)
{
	const char *keys[8];
	aval f[8];
	char pbuf[40];
	int icmp;

	keys[0] = kproto;
	keys[1] = kaction;
	keys[2] = "cidr_block";
	keys[3] = "ipv6_cidr_block";
	keys[4] = "from_port";
	keys[5] = "to_port";
	keys[6] = "icmp_type";
	keys[7] = "icmp_code";
	av_fetch(o, keys, 8, f);
	dm__nacl_proto_norm(proto_text(ax, f[0], pbuf, sizeof(pbuf)), a->proto);
	a->p1 = av_str(ax, f[1]);
	a->cidr = av_str(ax, f[2]);
	a->ipv6 = av_str(ax, f[3]);
	icmp = strcmp(a->proto, "1") == 0 || strcmp(a->proto, "58") == 0;
	if (strcmp(a->proto, "-1") == 0 || icmp) {
		a->from = a->to = 0;
	} else {
		a->from = num_or(ax, f[4], 0);
		a->to = num_or(ax, f[5], 0);
	}
	if (icmp) {
		a->icmp_type = num_or(ax, f[6], 0);
		a->icmp_code = num_or(ax, f[7], 0);
	}
	a->src = "";
}

static void explode_nacl_inline(struct actx *ax, const char *acl, const dm_resource *r,
				int with_subnets)
{
	static const char *const dirs[] = { "ingress", "egress" };
	aiter it;
	aval b;
	size_t d;

	for (d = 0; d < 2; d++) {
		for (ai_init(&it, res_get(r, dirs[d])); ai_next(&it, &b);) {
			struct atom a;
			if (av_type(b) != DM_J_OBJECT)
				continue;
			memset(&a, 0, sizeof(a));
			a.kind = AT_NACL;
			a.owner = acl;
			a.egress = (int)d;
			a.path = dirs[d];
			a.block = b;
			a.rule_no = num_or(ax, av_get(b, "rule_no"), -1);
			if (a.rule_no < 0 || a.rule_no == 32767)
				continue;
			nacl_fill(ax, &a, b, "protocol", "action");
			emit_atom(ax, &a);
		}
	}
	if (!with_subnets)
		return;
	for (ai_init(&it, res_get(r, "subnet_ids")); ai_next(&it, &b);) {
		struct atom a;
		memset(&a, 0, sizeof(a));
		a.kind = AT_ASSOC;
		a.owner = acl;
		a.src = av_str(ax, b);
		a.path = "subnet_ids";
		emit_atom(ax, &a);
	}
}

static void explode_nacl_rule(struct actx *ax, const dm_resource *r)
{
	aval o = res_obj(r);
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_NACL;
	a.owner = av_str(ax, av_get(o, "network_acl_id"));
	a.egress = truthy(av_get(o, "egress"));
	a.rule_no = num_or(ax, av_get(o, "rule_number"), -1);
	a.path = "rule_number";
	if (a.rule_no < 0)
		return;
	nacl_fill(ax, &a, o, "protocol", "rule_action");
	emit_atom(ax, &a);
}

/* ---- type dispatch ------------------------------------------------------------------ */

static int is(const char *type, const char *name)
{
	return strcmp(type, name) == 0;
}

int dm__atoms_owns(const char *type, const char *name)
{
	/* hot path: only ingress, egress, route, managed_policy_arns, inline_policy, subnet_ids, groups */
	if (!strchr("iersmg", name[0]) || strncmp(type, "aws_", 4) != 0)
		return 0;
	if (is(type, "aws_security_group") || is(type, "aws_default_security_group"))
		return is(name, "ingress") || is(name, "egress");
	if (is(type, "aws_route_table") || is(type, "aws_default_route_table"))
		return is(name, "route");
	if (is(type, "aws_iam_role") || is(type, "aws_iam_group"))
		return is(name, "managed_policy_arns") || is(name, "inline_policy");
	if (is(type, "aws_iam_user"))
		return is(name, "managed_policy_arns") || is(name, "inline_policy") || is(name, "groups");
	if (is(type, "aws_network_acl") || is(type, "aws_default_network_acl"))
		return is(name, "ingress") || is(name, "egress") || is(name, "subnet_ids");
	return 0;
}

static const char *const standalone_types[] = {
	"aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
	"aws_vpc_security_group_egress_rule", "aws_route", "aws_iam_role_policy_attachment",
	"aws_iam_policy_attachment", "aws_iam_role_policy", "aws_network_acl_rule",
	"aws_network_acl_association", "aws_iam_user_policy", "aws_iam_group_policy",
	"aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment",
	"aws_iam_user_group_membership", "aws_iam_group_membership"
};

int dm__atoms_standalone(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(standalone_types) / sizeof(standalone_types[0]); i++)
		if (strcmp(type, standalone_types[i]) == 0)
			return 1;
	return 0;
}

static const char *role_name(struct actx *ax, const dm_resource *r)
{
	const char *n = av_str(ax, res_get(r, "name"));
	return n ? n : r->id;
}

static void explode_live(struct actx *ax, const dm_resource *r)
{
	const char *t = r->type;

	if (!r->provider || strcmp(r->provider, "aws") != 0 || !r->id)
		return;
	if (is(t, "aws_security_group"))
		explode_sg_inline(ax, r->id, r);
	else if (is(t, "aws_route_table"))
		explode_routes_inline(ax, r->id, r);
	else if (is(t, "aws_iam_role"))
		explode_role(ax, r->id, r);
	else if (is(t, "aws_iam_user"))
		explode_principal(ax, 'u', r->id, r);
	else if (is(t, "aws_iam_group"))
		explode_principal(ax, 'g', r->id, r);
	else if (is(t, "aws_network_acl"))
		explode_nacl_inline(ax, r->id, r, 1);
}

static void explode_state(struct actx *ax, const dm_resource *r)
{
	const char *t = r->type;

	if (!r->provider || strcmp(r->provider, "aws") != 0 || !r->id)
		return;
	if (is(t, "aws_security_group") || is(t, "aws_default_security_group")) {
		explode_sg_inline(ax, r->id, r);
	} else if (is(t, "aws_security_group_rule")) {
		explode_sg_rule(ax, r);
	} else if (is(t, "aws_vpc_security_group_ingress_rule")) {
		explode_vpc_sg_rule(ax, r, 0);
	} else if (is(t, "aws_vpc_security_group_egress_rule")) {
		explode_vpc_sg_rule(ax, r, 1);
	} else if (is(t, "aws_route_table") || is(t, "aws_default_route_table")) {
		explode_routes_inline(ax, r->id, r);
	} else if (is(t, "aws_route")) {
		explode_route(ax, r);
	} else if (is(t, "aws_iam_role")) {
		explode_role(ax, role_name(ax, r), r);
	} else if (is(t, "aws_iam_user") || is(t, "aws_iam_group")) {
		explode_principal(ax, is(t, "aws_iam_user") ? 'u' : 'g', role_name(ax, r), r);
	} else if (is(t, "aws_iam_role_policy_attachment")) {
		attach_emit(ax, 0, av_str(ax, res_get(r, "role")), av_str(ax, res_get(r, "policy_arn")),
			    "policy_arn");
	} else if (is(t, "aws_iam_user_policy_attachment")) {
		attach_emit(ax, 'u', av_str(ax, res_get(r, "user")),
			    av_str(ax, res_get(r, "policy_arn")), "policy_arn");
	} else if (is(t, "aws_iam_group_policy_attachment")) {
		attach_emit(ax, 'g', av_str(ax, res_get(r, "group")),
			    av_str(ax, res_get(r, "policy_arn")), "policy_arn");
	} else if (is(t, "aws_iam_policy_attachment")) {
		const char *arn = av_str(ax, res_get(r, "policy_arn"));
		aiter it;
		aval e;
		for (ai_init(&it, res_get(r, "roles")); ai_next(&it, &e);)
			attach_emit(ax, 0, av_str(ax, e), arn, "roles");
		for (ai_init(&it, res_get(r, "users")); ai_next(&it, &e);)
			attach_emit(ax, 'u', av_str(ax, e), arn, "users");
		for (ai_init(&it, res_get(r, "groups")); ai_next(&it, &e);)
			attach_emit(ax, 'g', av_str(ax, e), arn, "groups");
	} else if (is(t, "aws_iam_role_policy")) {
		explode_inline_policy(ax, 0, "role", r);
	} else if (is(t, "aws_iam_user_policy")) {
		explode_inline_policy(ax, 'u', "user", r);
	} else if (is(t, "aws_iam_group_policy")) {
		explode_inline_policy(ax, 'g', "group", r);
	} else if (is(t, "aws_iam_user_group_membership")) {
		const char *user = av_str(ax, res_get(r, "user"));
		aiter it;
		aval e;
		for (ai_init(&it, res_get(r, "groups")); ai_next(&it, &e);) {
			const char *g = av_str(ax, e);
			member_emit(ax, g, user, "groups", g);
		}
	} else if (is(t, "aws_iam_group_membership")) {
		const char *group = av_str(ax, res_get(r, "group"));
		aiter it;
		aval e;
		for (ai_init(&it, res_get(r, "users")); ai_next(&it, &e);) {
			const char *u = av_str(ax, e);
			member_emit(ax, group, u, "users", u);
		}
	} else if (is(t, "aws_network_acl")) {
		explode_nacl_inline(ax, r->id, r, 1);
	} else if (is(t, "aws_default_network_acl")) {
		explode_nacl_inline(ax, r->id, r, 0); /* subnet_ids: AWS's fallback, ignored */
	} else if (is(t, "aws_network_acl_rule")) {
		explode_nacl_rule(ax, r);
	} else if (is(t, "aws_network_acl_association")) {
		struct atom a;
		memset(&a, 0, sizeof(a));
		a.kind = AT_ASSOC;
		a.owner = av_str(ax, res_get(r, "network_acl_id"));
		a.src = av_str(ax, res_get(r, "subnet_id"));
		a.path = "subnet_id";
		emit_atom(ax, &a);
	}
}

/*
 * A matched parent whose sub-resource lists are the same JSON text in state
 * and live, with no standalone resource managing children of it: every atom
 * would cover its twin with an equal payload, so neither side is exploded.
 * Only for raw (file-loaded) attributes of the same type on both sides.
 */
/* Does a standalone state resource manage children (of these kinds) of owner? */
static int owner_claimed(const struct actx *ax, const char *owner, const int *kinds, int nkinds)
{
	struct atom probe;
	char buf[AKEY_MAX];
	int k;

	memset(&probe, 0, sizeof(probe));
	probe.owner = owner;
	for (k = 0; k < nkinds; k++) {
		probe.kind = kinds[k];
		if (owner_key(&probe, buf, sizeof(buf)) < 0 || dm__strmap_get(ax->owners, buf))
			return 1;
	}
	return 0;
}

/*
 * An unmanaged live parent (no state pair) whose children no standalone
 * state resource manages: its atoms could neither cover anything nor be
 * reported (uncovered atoms are drift only on managed parents), so it is not
 * exploded. First scans of big accounts are mostly these.
 */
static int unmanaged_unclaimed(const struct actx *ax, const dm_lent *e)
{
	static const int k_sg[] = { AT_SG }, k_rt[] = { AT_ROUTE }, k_acl[] = { AT_NACL, AT_ASSOC },
			 k_role[] = { AT_ATTACH, AT_INLINE };

	if (e->pair || !e->r->id)
		return 0;
	if (is(e->r->type, "aws_security_group"))
		return !owner_claimed(ax, e->r->id, k_sg, 1);
	if (is(e->r->type, "aws_route_table"))
		return !owner_claimed(ax, e->r->id, k_rt, 1);
	if (is(e->r->type, "aws_network_acl"))
		return !owner_claimed(ax, e->r->id, k_acl, 2);
	if (is(e->r->type, "aws_iam_role"))
		return !owner_claimed(ax, e->r->id, k_role, 2);
	return 0; /* users: their memberships are owned by the group */
}

static int parent_in_sync(const struct actx *ax, const dm_lent *e)
{
	static const char *const k_sg[] = { "ingress", "egress" };
	static const char *const k_rt[] = { "route" };
	static const char *const k_acl[] = { "ingress", "egress", "subnet_ids" };
	const dm_pair *p = e->pair;
	const char *const *keys;
	int kinds[2], nkinds;
	size_t n;

	if (!p || p->standalone || !p->state || p->live != e->r || !e->r->id || !p->state->id ||
	    strcmp(p->state->type, e->r->type) != 0 || strcmp(p->state->id, e->r->id) != 0 ||
	    !p->state->provider || strcmp(p->state->provider, "aws") != 0)
		return 0;
	if (is(e->r->type, "aws_security_group")) {
		keys = k_sg, n = 2, kinds[0] = AT_SG, nkinds = 1;
	} else if (is(e->r->type, "aws_route_table")) {
		keys = k_rt, n = 1, kinds[0] = AT_ROUTE, nkinds = 1;
	} else if (is(e->r->type, "aws_network_acl")) {
		keys = k_acl, n = 3, kinds[0] = AT_NACL, kinds[1] = AT_ASSOC, nkinds = 2;
	} else {
		return 0;
	}
	return !owner_claimed(ax, e->r->id, kinds, nkinds) &&
	       dm__raw_keys_equal(p->state, e->r, keys, n);
}

int dm__atoms_run(dm_diffrun *run, dm_pair *pairs, size_t npairs)
{
	struct actx ax;
	struct atom *a;
	size_t i, j;
	int rc = 0;

	memset(&ax, 0, sizeof(ax));
	ax.run = run;
	if (dm__strmap_new(&ax.map, 1024) < 0 || dm__strmap_new(&ax.owners, 64) < 0) {
		dm__strmap_free(ax.map);
		return dm__error(run->ctx, DM_ENOMEM, "diff: out of memory (sub-resources)");
	}

	/* parents whose children are managed as standalone resources */
	ax.collect = 1;
	for (i = 0; i < npairs && ax.rc == 0; i++) {
		if (!pairs[i].standalone)
			continue;
		ax.pair = &pairs[i];
		explode_state(&ax, pairs[i].state);
		pairs[i].atoms_total = 0;
	}
	ax.collect = 0;
	if (ax.rc < 0)
		goto nomem;

	for (i = 0; i < run->nlents; i++) {
		dm_lent *e = &run->lents[i];
		e->atoms_in_sync = e->spec && parent_in_sync(&ax, e);
		if (e->atoms_in_sync)
			e->pair->atoms_in_sync = 1;
		else if (e->spec && unmanaged_unclaimed(&ax, e))
			e->atoms_in_sync = 1; /* nothing to explode either */
	}

	/* live parents (managed or not: standalone rules may cover an unmanaged parent) */
	ax.live = 1;
	for (i = 0; i < run->nlents && ax.rc == 0; i++) {
		if (!run->lents[i].spec || run->lents[i].atoms_in_sync)
			continue;
		ax.lent = &run->lents[i];
		explode_live(&ax, run->lents[i].r);
	}
	if (ax.rc < 0)
		goto nomem;

	/* state representations */
	ax.live = 0;
	ax.lent = NULL;
	for (i = 0; i < npairs; i++) {
		dm_pair *p = &pairs[i];
		if ((!p->standalone && !p->live) || p->atoms_in_sync)
			continue;
		ax.pair = p;
		ax.standalone = p->standalone;
		ax.ngone = 0;
		explode_state(&ax, p->state);
		if (ax.rc < 0)
			goto nomem;
		if (p->standalone && p->atoms_found > 0) {
			for (j = 0; j < ax.ngone; j++) {
				rc = dm__pair_change(run, p, ax.gone[j].path, DM_OP_REMOVE,
						     atom_json(&ax.gone[j]), NULL);
				if (rc < 0)
					goto done;
			}
		}
	}

	/* live atoms no representation covers: drift on the managed parent */
	for (a = ax.first_all; a; a = a->all) {
		dm_pair *p;
		if (a->covered || !a->lent || !a->lent->pair)
			continue;
		p = a->lent->pair;
		if (a->kind == AT_ASSOC &&
		    ((a->lent->r->flags & DM_RES_AWS_CREATED) || a->lent->by_default_obj))
			continue; /* subnets fall back to the default NACL by themselves */
		rc = dm__pair_change(run, p, a->path, DM_OP_ADD, NULL, atom_json(a));
		if (rc < 0)
			goto done;
	}
	rc = 0;
	goto done;
nomem:
	rc = ax.rc < 0 ? ax.rc : DM_ENOMEM;
	if (rc == DM_ENOMEM)
		dm__error(run->ctx, DM_ENOMEM, "diff: out of memory (sub-resources)");
done:
	free(ax.gone);
	dm__strmap_free(ax.map);
	dm__strmap_free(ax.owners);
	return rc;
}
