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
 *   policy attachment    role, policy ARN
 *   inline role policy   role, policy name
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
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "diff_internal.h"

#define AKEY_MAX 1024

enum { AT_SG = 1, AT_ROUTE, AT_ATTACH, AT_INLINE, AT_NACL, AT_ASSOC };

struct atom {
	const char *key;
	int kind;
	const char *path;        /* attribute on the declaring resource ("ingress", "cidr_blocks") */
	const json_t *block;     /* the JSON block it came from (inline), else NULL */
	const char *owner;       /* group / route table / role / acl id */
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

static const char *proto_text(const json_t *v, char *buf, size_t cap)
{
	const char *t = v ? dm__scalar_text(v, buf, cap) : NULL;
	return t ? t : "";
}

static long long num_or(const json_t *v, long long dflt)
{
	long long n;
	return dm__json_ll(v, &n) == 0 ? n : dflt;
}

static int truthy(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static void sg_ports(struct atom *a, const json_t *from, const json_t *to)
{
	if (strcmp(a->proto, "-1") == 0) {
		a->from = a->to = 0;
	} else if (strcmp(a->proto, "icmp") == 0 || strcmp(a->proto, "icmpv6") == 0) {
		a->from = num_or(from, -1);
		a->to = num_or(to, -1);
	} else if (strcmp(a->proto, "tcp") == 0 || strcmp(a->proto, "udp") == 0) {
		a->from = num_or(from, 0);
		a->to = num_or(to, 0);
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
	if (a->block)
		return json_incref((json_t *)a->block);
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
		n = snprintf(buf, cap, "pa\x1f%s\x1f%s", a->owner, a->src);
		break;
	case AT_INLINE:
		n = snprintf(buf, cap, "ip\x1f%s\x1f%s", a->owner, a->src);
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
	int n = snprintf(buf, cap, "%d\x1f%s", a->kind, a->owner);
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

static void sg_list(struct actx *ax, struct atom *a, char kind, const json_t *arr,
		    const char *path)
{
	size_t i;

	if (path)
		a->path = path;
	if (json_is_string(arr)) {
		sg_source(ax, a, kind, json_string_value(arr));
		return;
	}
	for (i = 0; i < json_array_size(arr); i++)
		sg_source(ax, a, kind, dm__json_str(json_array_get(arr, i)));
}

static void explode_sg_inline(struct actx *ax, const char *gid, const json_t *attrs)
{
	static const char *const dirs[] = { "ingress", "egress" };
	char pbuf[40];
	size_t d, i;

	for (d = 0; d < 2; d++) {
		const json_t *arr = json_object_get(attrs, dirs[d]);
		for (i = 0; i < json_array_size(arr); i++) {
			const json_t *b = json_array_get(arr, i);
			struct atom a;
			if (!json_is_object(b))
				continue;
			memset(&a, 0, sizeof(a));
			a.kind = AT_SG;
			a.owner = gid;
			a.egress = (int)d;
			a.path = dirs[d];
			a.block = b;
			dm__sg_proto_norm(proto_text(json_object_get(b, "protocol"), pbuf, sizeof(pbuf)),
					  a.proto);
			sg_ports(&a, json_object_get(b, "from_port"), json_object_get(b, "to_port"));
			a.p1 = dm__json_str(json_object_get(b, "description"));
			sg_list(ax, &a, 'c', json_object_get(b, "cidr_blocks"), NULL);
			sg_list(ax, &a, '6', json_object_get(b, "ipv6_cidr_blocks"), NULL);
			sg_list(ax, &a, 'p', json_object_get(b, "prefix_list_ids"), NULL);
			sg_list(ax, &a, 's', json_object_get(b, "security_groups"), NULL);
			if (truthy(json_object_get(b, "self")))
				sg_source(ax, &a, 'S', gid);
		}
	}
}

static void explode_sg_rule(struct actx *ax, const dm_resource *r)
{
	const json_t *at = dm_resource_attrs(r);
	const char *type = dm__json_str(json_object_get(at, "type"));
	char pbuf[40];
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_SG;
	a.owner = dm__json_str(json_object_get(at, "security_group_id"));
	if (!type || !a.owner)
		return;
	a.egress = strcmp(type, "egress") == 0;
	dm__sg_proto_norm(proto_text(json_object_get(at, "protocol"), pbuf, sizeof(pbuf)), a.proto);
	sg_ports(&a, json_object_get(at, "from_port"), json_object_get(at, "to_port"));
	a.p1 = dm__json_str(json_object_get(at, "description"));
	sg_list(ax, &a, 'c', json_object_get(at, "cidr_blocks"), "cidr_blocks");
	sg_list(ax, &a, '6', json_object_get(at, "ipv6_cidr_blocks"), "ipv6_cidr_blocks");
	sg_list(ax, &a, 'p', json_object_get(at, "prefix_list_ids"), "prefix_list_ids");
	a.path = "source_security_group_id";
	sg_source(ax, &a, 's', dm__json_str(json_object_get(at, "source_security_group_id")));
	if (truthy(json_object_get(at, "self"))) {
		a.path = "self";
		sg_source(ax, &a, 'S', a.owner);
	}
}

static void explode_vpc_sg_rule(struct actx *ax, const dm_resource *r, int egress)
{
	const json_t *at = dm_resource_attrs(r);
	char pbuf[40];
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_SG;
	a.owner = dm__json_str(json_object_get(at, "security_group_id"));
	a.egress = egress;
	dm__sg_proto_norm(proto_text(json_object_get(at, "ip_protocol"), pbuf, sizeof(pbuf)), a.proto);
	sg_ports(&a, json_object_get(at, "from_port"), json_object_get(at, "to_port"));
	a.p1 = dm__json_str(json_object_get(at, "description"));
	a.path = "cidr_ipv4";
	sg_source(ax, &a, 'c', dm__json_str(json_object_get(at, "cidr_ipv4")));
	a.path = "cidr_ipv6";
	sg_source(ax, &a, '6', dm__json_str(json_object_get(at, "cidr_ipv6")));
	a.path = "prefix_list_id";
	sg_source(ax, &a, 'p', dm__json_str(json_object_get(at, "prefix_list_id")));
	a.path = "referenced_security_group_id";
	sg_source(ax, &a, 's', dm__json_str(json_object_get(at, "referenced_security_group_id")));
}

static const char *const route_targets[] = {
	"gateway_id", "nat_gateway_id", "transit_gateway_id", "vpc_peering_connection_id",
	"vpc_endpoint_id", "egress_only_gateway_id", "carrier_gateway_id", "local_gateway_id",
	"core_network_arn", "network_interface_id", "instance_id"
};

static void route_target(struct atom *a, const json_t *obj)
{
	size_t i;

	for (i = 0; i < sizeof(route_targets) / sizeof(route_targets[0]); i++) {
		const char *v = dm__json_str(json_object_get(obj, route_targets[i]));
		if (v) {
			a->p1 = v;
			a->p1key = route_targets[i];
			return;
		}
	}
}

static void route_emit(struct actx *ax, struct atom *a, const json_t *obj, const char *kc,
		       const char *k6, const char *kp)
{
	static const char kinds[3] = { 'c', '6', 'p' };
	const char *keys[3];
	const char *v;
	size_t i;

	keys[0] = kc;
	keys[1] = k6;
	keys[2] = kp;
	route_target(a, obj);
	if (a->p1 && strcmp(a->p1, "local") == 0)
		return; /* the local route is AWS's own */
	for (i = 0, v = NULL; i < 3 && !v; i++) {
		v = dm__json_str(json_object_get(obj, keys[i]));
		a->srckind = kinds[i];
	}
	if (!v)
		return;
	a->src = v;
	emit_atom(ax, a);
}

static void explode_routes_inline(struct actx *ax, const char *rtb, const json_t *attrs)
{
	const json_t *arr = json_object_get(attrs, "route");
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *b = json_array_get(arr, i);
		struct atom a;
		if (!json_is_object(b))
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
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_ROUTE;
	a.owner = dm__json_str(json_object_get(dm_resource_attrs(r), "route_table_id"));
	a.path = "route_table_id";
	route_emit(ax, &a, dm_resource_attrs(r), "destination_cidr_block", "destination_ipv6_cidr_block",
		   "destination_prefix_list_id");
}

static void attach_emit(struct actx *ax, const char *role, const char *arn, const char *path)
{
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_ATTACH;
	a.owner = role;
	a.src = arn;
	a.path = path;
	emit_atom(ax, &a);
}

static void inline_emit(struct actx *ax, const char *role, const char *name, const char *policy,
			const json_t *block, const char *path)
{
	struct atom a;

	if (!name || !*name)
		return; /* provider 3.x/4.x placeholder [{"name":"","policy":""}] */
	memset(&a, 0, sizeof(a));
	a.kind = AT_INLINE;
	a.owner = role;
	a.src = name;
	a.p1 = policy;
	a.block = block;
	a.path = path;
	emit_atom(ax, &a);
}

static void explode_role(struct actx *ax, const char *role, const json_t *attrs)
{
	const json_t *mpa = json_object_get(attrs, "managed_policy_arns");
	const json_t *ip = json_object_get(attrs, "inline_policy");
	size_t i;

	for (i = 0; i < json_array_size(mpa); i++)
		attach_emit(ax, role, dm__json_str(json_array_get(mpa, i)), "managed_policy_arns");
	for (i = 0; i < json_array_size(ip); i++) {
		const json_t *b = json_array_get(ip, i);
		inline_emit(ax, role, dm__json_str(json_object_get(b, "name")),
			    dm__json_str(json_object_get(b, "policy")), b, "inline_policy");
	}
}

static void nacl_fill(struct atom *a, const json_t *o, const char *kproto, const char *kaction)
{
	char pbuf[40];
	int icmp;

	dm__nacl_proto_norm(proto_text(json_object_get(o, kproto), pbuf, sizeof(pbuf)), a->proto);
	a->p1 = dm__json_str(json_object_get(o, kaction));
	a->cidr = dm__json_str(json_object_get(o, "cidr_block"));
	a->ipv6 = dm__json_str(json_object_get(o, "ipv6_cidr_block"));
	icmp = strcmp(a->proto, "1") == 0 || strcmp(a->proto, "58") == 0;
	if (strcmp(a->proto, "-1") == 0 || icmp) {
		a->from = a->to = 0;
	} else {
		a->from = num_or(json_object_get(o, "from_port"), 0);
		a->to = num_or(json_object_get(o, "to_port"), 0);
	}
	if (icmp) {
		a->icmp_type = num_or(json_object_get(o, "icmp_type"), 0);
		a->icmp_code = num_or(json_object_get(o, "icmp_code"), 0);
	}
	a->src = "";
}

static void explode_nacl_inline(struct actx *ax, const char *acl, const json_t *attrs,
				int with_subnets)
{
	static const char *const dirs[] = { "ingress", "egress" };
	const json_t *subs;
	size_t d, i;

	for (d = 0; d < 2; d++) {
		const json_t *arr = json_object_get(attrs, dirs[d]);
		for (i = 0; i < json_array_size(arr); i++) {
			const json_t *b = json_array_get(arr, i);
			struct atom a;
			if (!json_is_object(b))
				continue;
			memset(&a, 0, sizeof(a));
			a.kind = AT_NACL;
			a.owner = acl;
			a.egress = (int)d;
			a.path = dirs[d];
			a.block = b;
			a.rule_no = num_or(json_object_get(b, "rule_no"), -1);
			if (a.rule_no < 0 || a.rule_no == 32767)
				continue;
			nacl_fill(&a, b, "protocol", "action");
			emit_atom(ax, &a);
		}
	}
	if (!with_subnets)
		return;
	subs = json_object_get(attrs, "subnet_ids");
	for (i = 0; i < json_array_size(subs); i++) {
		struct atom a;
		memset(&a, 0, sizeof(a));
		a.kind = AT_ASSOC;
		a.owner = acl;
		a.src = dm__json_str(json_array_get(subs, i));
		a.path = "subnet_ids";
		emit_atom(ax, &a);
	}
}

static void explode_nacl_rule(struct actx *ax, const dm_resource *r)
{
	struct atom a;

	memset(&a, 0, sizeof(a));
	a.kind = AT_NACL;
	a.owner = dm__json_str(json_object_get(dm_resource_attrs(r), "network_acl_id"));
	a.egress = truthy(json_object_get(dm_resource_attrs(r), "egress"));
	a.rule_no = num_or(json_object_get(dm_resource_attrs(r), "rule_number"), -1);
	a.path = "rule_number";
	if (a.rule_no < 0)
		return;
	nacl_fill(&a, dm_resource_attrs(r), "protocol", "rule_action");
	emit_atom(ax, &a);
}

/* ---- type dispatch ------------------------------------------------------------------ */

static int is(const char *type, const char *name)
{
	return strcmp(type, name) == 0;
}

int dm__atoms_owns(const char *type, const char *name)
{
	/* hot path: only ingress, egress, route, managed_policy_arns, inline_policy, subnet_ids */
	if (!strchr("iersm", name[0]) || strncmp(type, "aws_", 4) != 0)
		return 0;
	if (is(type, "aws_security_group") || is(type, "aws_default_security_group"))
		return is(name, "ingress") || is(name, "egress");
	if (is(type, "aws_route_table") || is(type, "aws_default_route_table"))
		return is(name, "route");
	if (is(type, "aws_iam_role"))
		return is(name, "managed_policy_arns") || is(name, "inline_policy");
	if (is(type, "aws_network_acl") || is(type, "aws_default_network_acl"))
		return is(name, "ingress") || is(name, "egress") || is(name, "subnet_ids");
	return 0;
}

static const char *const standalone_types[] = {
	"aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
	"aws_vpc_security_group_egress_rule", "aws_route", "aws_iam_role_policy_attachment",
	"aws_iam_policy_attachment", "aws_iam_role_policy", "aws_network_acl_rule",
	"aws_network_acl_association"
};

int dm__atoms_standalone(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(standalone_types) / sizeof(standalone_types[0]); i++)
		if (strcmp(type, standalone_types[i]) == 0)
			return 1;
	return 0;
}

static const char *role_name(const dm_resource *r)
{
	const char *n = dm__json_str(dm_resource_attr(r, "name"));
	return n ? n : r->id;
}

static void explode_live(struct actx *ax, const dm_resource *r)
{
	const char *t = r->type;

	if (!r->provider || strcmp(r->provider, "aws") != 0 || !r->id)
		return;
	static const char *const k_sg[] = {"ingress", "egress", NULL};
	static const char *const k_rt[] = {"route", NULL};
	static const char *const k_role[] = {"managed_policy_arns", "inline_policy", "name", NULL};
	static const char *const k_acl[] = {"ingress", "egress", "subnet_ids", NULL};
	json_t *v = NULL;

	if (is(t, "aws_security_group")) {
		v = dm__diff_view(r, k_sg);
		explode_sg_inline(ax, r->id, v);
	} else if (is(t, "aws_route_table")) {
		v = dm__diff_view(r, k_rt);
		explode_routes_inline(ax, r->id, v);
	} else if (is(t, "aws_iam_role")) {
		v = dm__diff_view(r, k_role);
		explode_role(ax, r->id, v);
	} else if (is(t, "aws_network_acl")) {
		v = dm__diff_view(r, k_acl);
		explode_nacl_inline(ax, r->id, v, 1);
	}
	json_decref(v);
}

static void explode_state(struct actx *ax, const dm_resource *r)
{
	static const char *const k_sg[] = {"ingress", "egress", NULL};
	static const char *const k_rt[] = {"route", NULL};
	static const char *const k_role[] = {"managed_policy_arns", "inline_policy", "name", NULL};
	static const char *const k_acl[] = {"ingress", "egress", "subnet_ids", NULL};
	const char *t = r->type;
	const json_t *at = NULL;
	json_t *view = NULL;
	size_t i;

	if (!r->provider || strcmp(r->provider, "aws") != 0 || !r->id)
		return;
	/* small standalone resources are materialised whole; parents through views */
	if (is(t, "aws_iam_role_policy_attachment") || is(t, "aws_iam_policy_attachment") ||
	    is(t, "aws_iam_role_policy") || is(t, "aws_network_acl_association"))
		at = dm_resource_attrs(r);
	if (is(t, "aws_security_group") || is(t, "aws_default_security_group")) {
		view = dm__diff_view(r, k_sg);
		explode_sg_inline(ax, r->id, view);
	} else if (is(t, "aws_security_group_rule")) {
		explode_sg_rule(ax, r);
	} else if (is(t, "aws_vpc_security_group_ingress_rule")) {
		explode_vpc_sg_rule(ax, r, 0);
	} else if (is(t, "aws_vpc_security_group_egress_rule")) {
		explode_vpc_sg_rule(ax, r, 1);
	} else if (is(t, "aws_route_table") || is(t, "aws_default_route_table")) {
		view = dm__diff_view(r, k_rt);
		explode_routes_inline(ax, r->id, view);
	} else if (is(t, "aws_route")) {
		explode_route(ax, r);
	} else if (is(t, "aws_iam_role")) {
		view = dm__diff_view(r, k_role);
		explode_role(ax, role_name(r), view);
	} else if (is(t, "aws_iam_role_policy_attachment")) {
		attach_emit(ax, dm__json_str(json_object_get(at, "role")),
			    dm__json_str(json_object_get(at, "policy_arn")), "policy_arn");
	} else if (is(t, "aws_iam_policy_attachment")) {
		const json_t *roles = json_object_get(at, "roles");
		const char *arn = dm__json_str(json_object_get(at, "policy_arn"));
		for (i = 0; i < json_array_size(roles); i++)
			attach_emit(ax, dm__json_str(json_array_get(roles, i)), arn, "roles");
	} else if (is(t, "aws_iam_role_policy")) {
		const char *name = dm__json_str(json_object_get(at, "name"));
		const char *role = dm__json_str(json_object_get(at, "role"));
		const char *colon = strchr(r->id, ':');
		char rbuf[256];
		if ((!name || !role) && colon) {
			size_t l = (size_t)(colon - r->id);
			if (!name)
				name = colon + 1;
			if (!role && l < sizeof(rbuf)) {
				memcpy(rbuf, r->id, l);
				rbuf[l] = '\0';
				role = rbuf;
			}
		}
		inline_emit(ax, role, name, dm__json_str(json_object_get(at, "policy")), NULL,
			    "policy");
	} else if (is(t, "aws_network_acl")) {
		view = dm__diff_view(r, k_acl);
		explode_nacl_inline(ax, r->id, view, 1);
	} else if (is(t, "aws_default_network_acl")) {
		view = dm__diff_view(r, k_acl);
		explode_nacl_inline(ax, r->id, view, 0); /* subnet_ids: AWS's fallback, ignored */
	} else if (is(t, "aws_network_acl_rule")) {
		explode_nacl_rule(ax, r);
	} else if (is(t, "aws_network_acl_association")) {
		struct atom a;
		memset(&a, 0, sizeof(a));
		a.kind = AT_ASSOC;
		a.owner = dm__json_str(json_object_get(at, "network_acl_id"));
		a.src = dm__json_str(json_object_get(at, "subnet_id"));
		a.path = "subnet_id";
		emit_atom(ax, &a);
	}
	json_decref(view);
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

	/* live parents (managed or not: standalone rules may cover an unmanaged parent) */
	ax.live = 1;
	for (i = 0; i < run->nlents && ax.rc == 0; i++) {
		if (!run->lents[i].spec)
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
		if (!p->standalone && !p->live)
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
