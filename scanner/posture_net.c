/*
 * driftmap posture — network segmentation and exposure rules (SEG-01…16):
 * security-group atoms (prefix lists resolved, IPv4 and IPv6), NACL
 * first-match evaluation per address family, the effective route table of a
 * subnet (explicit association, else the main table of the same VPC, active
 * routes only) and the SEG-11 internet-exposure path.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "posture_internal.h"

/* ---- SG atoms ------------------------------------------------------------------ */

/* dm__pst_int on a value already looked up */
static long long int_value(const json_t *v, long long dflt)
{
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) >= -9223372036854775808.0 &&
	    json_real_value(v) < 9223372036854775808.0) /* outside, the cast is undefined */
		return (long long)json_real_value(v);
	if (json_is_string(v) && dm__parse_ll(json_string_value(v), &n) == 0)
		return n;
	return dflt;
}

/* Ports of a block for matching (from, to) and as written (raw_from, raw_to; 0 when absent). */
static void block_ports(const json_t *jf, const json_t *jt, int proto, int *from, int *to, long long *raw_from,
			long long *raw_to)
{
	*raw_from = int_value(jf, 0);
	*raw_to = int_value(jt, 0);
	if (proto == PST_P_ALL) {
		*from = 0;
		*to = 65535;
		return;
	}
	if (proto != PST_P_TCP && proto != PST_P_UDP) {
		*from = *to = -1; /* ICMP type/code or a protocol without ports */
		return;
	}
	*from = (int)*raw_from;
	*to = (int)int_value(jt, 65535);
	if (*from < 0 || *to < 0) { /* -1 from AWS means "all" for tcp/udp too */
		*from = 0;
		*to = 65535;
	}
}

static int prefix_list_internet(pst_run *run, const char *plid, const char **cidr)
{
	const dm_resource *pl = dm__pst_get(run, "aws_ec2_managed_prefix_list", plid);
	const json_t *entries, *e;
	size_t i;

	*cidr = NULL;
	if (!pl)
		return -1;
	entries = json_object_get(pl->attrs, "entry");
	json_array_foreach(entries, i, e) {
		const char *c = dm__pst_str(e, "cidr");
		int fam = dm__pst_cidr_is_internet(c);
		if (fam) {
			*cidr = c;
			return fam;
		}
	}
	return 0;
}

/* Source CIDR of a 'c' or '6' atom, parsed once; internet = that family when it is exactly /0. */
static void atom_cidr(pst_atom *a, int family)
{
	a->cidr_ok = dm__pst_cidr_parse(a->source, &a->cidr) == 0;
	a->internet = a->cidr_ok && a->cidr.len == 0 && a->cidr.family == family && strchr(a->source, '/')
			      ? (signed char)family : 0;
}

/* Append the atoms of one direction to run->atom_tmp (n: atoms so far). */
static int compile_atoms(pst_run *run, const dm_resource *sg, int egress, size_t *n)
{
	const json_t *blocks = json_object_get(sg->attrs, egress ? "egress" : "ingress"), *b;
	size_t i, j;

#define EMIT_ATOM()                                                                                  \
	do {                                                                                         \
		if (dm__grow((void **)&run->atom_tmp, &run->atom_tmp_cap, *n + 1, sizeof(pst_atom)) < 0) \
			return DM_ENOMEM;                                                            \
		run->atom_tmp[(*n)++] = a;                                                           \
	} while (0)
	json_array_foreach(blocks, i, b) {
		pst_atom a;
		const json_t *list, *v, *f[8] = {NULL};
		const char *key;
		json_t *val;
		long long raw_from, raw_to;
		/* one walk over the block's members instead of a lookup per attribute */
		enum { F_PROTO, F_FROM, F_TO, F_CIDR, F_CIDR6, F_PL, F_SG, F_SELF };
		json_object_foreach((json_t *)b, key, val) {
			int k = -1;
			switch (key[0]) {
			case 'p':
				k = strcmp(key, "protocol") == 0 ? F_PROTO : strcmp(key, "prefix_list_ids") == 0 ? F_PL : -1;
				break;
			case 'f': k = strcmp(key, "from_port") == 0 ? F_FROM : -1; break;
			case 't': k = strcmp(key, "to_port") == 0 ? F_TO : -1; break;
			case 'c': k = strcmp(key, "cidr_blocks") == 0 ? F_CIDR : -1; break;
			case 'i': k = strcmp(key, "ipv6_cidr_blocks") == 0 ? F_CIDR6 : -1; break;
			case 's':
				k = strcmp(key, "security_groups") == 0 ? F_SG : strcmp(key, "self") == 0 ? F_SELF : -1;
				break;
			default: break;
			}
			if (k >= 0)
				f[k] = val;
		}
		memset(&a, 0, sizeof(a));
		a.egress = (signed char)egress;
		a.proto_s = json_is_string(f[F_PROTO]) ? json_string_value(f[F_PROTO]) : "";
		a.proto = dm__pst_proto_parse(a.proto_s);
		a.block = b;
		block_ports(f[F_FROM], f[F_TO], a.proto, &a.from, &a.to, &raw_from, &raw_to);
		a.raw_big = raw_from < INT_MIN || raw_from > INT_MAX || raw_to < INT_MIN || raw_to > INT_MAX;
		a.raw_from = a.raw_big ? 0 : (int)raw_from;
		a.raw_to = a.raw_big ? 0 : (int)raw_to;
		list = f[F_CIDR];
		json_array_foreach(list, j, v) {
			if (!json_is_string(v))
				continue;
			a.kind = 'c';
			a.source = json_string_value(v);
			atom_cidr(&a, 4);
			a.via_pl_cidr = NULL;
			EMIT_ATOM();
		}
		list = f[F_CIDR6];
		json_array_foreach(list, j, v) {
			if (!json_is_string(v))
				continue;
			a.kind = '6';
			a.source = json_string_value(v);
			atom_cidr(&a, 6);
			a.via_pl_cidr = NULL;
			EMIT_ATOM();
		}
		a.cidr_ok = 0;
		memset(&a.cidr, 0, sizeof(a.cidr));
		list = f[F_PL];
		json_array_foreach(list, j, v) {
			int fam;
			if (!json_is_string(v))
				continue;
			a.kind = 'p';
			a.source = json_string_value(v);
			fam = prefix_list_internet(run, a.source, &a.via_pl_cidr);
			if (fam < 0) {
				char scope[256];
				snprintf(scope, sizeof(scope), "aws/%s/%s", sg->account ? sg->account : "*",
					 sg->region ? sg->region : "*");
				if (strncmp(a.source, "pl-", 3) == 0 &&
				    dm__pst_not_eval(run, "SEG-01", scope,
						     "prefix list %s referenced by %s not resolved "
						     "(aws_ec2_managed_prefix_list entries not collected)",
						     a.source, sg->id) < 0)
					return DM_ENOMEM;
				fam = 0;
			}
			a.internet = (signed char)fam;
			EMIT_ATOM();
		}
		list = f[F_SG];
		json_array_foreach(list, j, v) {
			if (!json_is_string(v))
				continue;
			a.kind = 'g';
			a.source = json_string_value(v);
			a.internet = 0;
			a.via_pl_cidr = NULL;
			/* "account/sg-x" (cross-account) keeps the sg id after '/' */
			if (strchr(a.source, '/'))
				a.source = strchr(a.source, '/') + 1;
			EMIT_ATOM();
		}
		if (json_is_true(f[F_SELF]) ||
		    (json_is_string(f[F_SELF]) && strcasecmp(json_string_value(f[F_SELF]), "true") == 0)) {
			a.kind = 's';
			a.source = sg->id;
			a.internet = 0;
			a.via_pl_cidr = NULL;
			EMIT_ATOM();
		}
	}
	return 0;
}

#undef EMIT_ATOM

typedef struct pst_atoms {
	pst_atom *v[2];
	size_t n[2];
} pst_atoms;

int dm__pst_sg_atoms(pst_run *run, const dm_resource *sg, int egress, pst_atom_fn fn, void *ud)
{
	pst_atoms *c = dm__pst_pmap_get(&run->atom_by_sg, sg, NULL);
	size_t i;
	int rc, d;

	if (!c && (c = dm__strmap_get(run->atom_cache, sg->id)) != NULL &&
	    dm__pst_pmap_put(&run->atom_by_sg, sg, NULL, c) < 0)
		return DM_ENOMEM;
	if (!c) {
		c = dm__arena_alloc(run->arena, sizeof(*c));
		if (!c)
			return DM_ENOMEM;
		for (d = 0; d < 2; d++) {
			size_t n = 0;
			if ((rc = compile_atoms(run, sg, d, &n)) < 0)
				return rc;
			c->v[d] = n ? dm__arena_alloc(run->arena, n * sizeof(pst_atom)) : NULL;
			if (n && !c->v[d])
				return DM_ENOMEM;
			if (n)
				memcpy(c->v[d], run->atom_tmp, n * sizeof(pst_atom));
			c->n[d] = n;
		}
		if (dm__strmap_put(run->atom_cache, sg->id, c) < 0 || dm__pst_pmap_put(&run->atom_by_sg, sg, NULL, c) < 0)
			return DM_ENOMEM;
	}
	for (i = 0; i < c->n[egress ? 1 : 0]; i++) {
		if ((rc = fn(ud, sg, &c->v[egress ? 1 : 0][i])) < 0)
			return rc;
	}
	return 0;
}

int dm__pst_atom_hits(const pst_atom *a, const pst_ports *ports, pst_port *hit)
{
	size_t i;

	if (a->from < 0)
		return 0;
	for (i = 0; i < ports->n; i++) {
		const pst_port *p = &ports->v[i];
		if (a->proto != PST_P_ALL && p->proto && p->proto != a->proto)
			continue;
		if (a->proto != PST_P_ALL && a->proto != PST_P_TCP && a->proto != PST_P_UDP)
			continue;
		if (p->from <= a->to && a->from <= p->to) {
			if (hit) {
				*hit = *p;
				hit->from = p->from > a->from ? p->from : a->from;
				hit->to = p->to < a->to ? p->to : a->to;
				if (!hit->proto)
					hit->proto = a->proto == PST_P_UDP ? PST_P_UDP : PST_P_TCP;
			}
			return 1;
		}
	}
	return 0;
}

static int ports_cover(const pst_ports *ports, int proto, int from, int to)
{
	/* is every port of [from, to] inside the union of ports (protocol-compatible)? */
	int p = from;
	size_t i;

	while (p <= to) {
		int moved = 0;
		for (i = 0; i < ports->n; i++) {
			const pst_port *x = &ports->v[i];
			if (x->proto && x->proto != proto)
				continue;
			if (x->from <= p && p <= x->to) {
				p = x->to + 1;
				moved = 1;
				break;
			}
		}
		if (!moved)
			return 0;
	}
	return 1;
}

static const char *proto_name(int p)
{
	switch (p) {
	case PST_P_ALL: return "-1";
	case PST_P_TCP: return "tcp";
	case PST_P_UDP: return "udp";
	case PST_P_ICMP: return "icmp";
	case PST_P_ICMP6: return "icmpv6";
	default: return "other";
	}
}

json_t *dm__pst_atom_json(pst_run *run, const dm_resource *sg, const pst_atom *a)
{
	json_t *o = json_object();
	static const char *const kinds[] = {"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids",
					    "security_groups", "self"};
	const char *k = a->kind == 'c' ? kinds[0] : a->kind == '6' ? kinds[1] : a->kind == 'p' ? kinds[2]
			: a->kind == 'g' ? kinds[3] : kinds[4];
	const char *desc;

	if (!o)
		return NULL;
	json_object_set_new(o, "security_group", dm__pst_jstr(run, sg->id));
	json_object_set_new(o, "direction", dm__pst_jstr(run, a->egress ? "egress" : "ingress"));
	json_object_set_new(o, "protocol", dm__pst_jstr(run, a->proto_s));
	json_object_set_new(o, "from_port",
			    dm__pst_jint(run, a->raw_big ? dm__pst_int(a->block, "from_port", 0) : a->raw_from));
	json_object_set_new(o, "to_port", dm__pst_jint(run, a->raw_big ? dm__pst_int(a->block, "to_port", 0) : a->raw_to));
	json_object_set_new(o, "source_kind", dm__pst_jstr(run, k));
	json_object_set_new(o, "source", dm__pst_jstr(run, a->source));
	if (a->via_pl_cidr)
		json_object_set_new(o, "prefix_list_entry", dm__pst_jstr(run, a->via_pl_cidr));
	desc = dm__pst_str(a->block, "description");
	if (*desc)
		json_object_set_new(o, "description", json_string(desc));
	return o;
}

static void atom_subkey(const pst_atom *a, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s:%s:%d-%d:%s", a->egress ? "egress" : "ingress", proto_name(a->proto),
		 a->from, a->to, a->source);
}

/* ---- routes and NACLs -------------------------------------------------------------- */

const dm_resource *dm__pst_subnet_rtb(pst_run *run, const dm_resource *subnet, const char **how)
{
	const char *id = dm__strmap_get(run->subnet_rtb, subnet->id);

	if (id) {
		*how = "explicit";
		return dm__pst_get(run, "aws_route_table", id);
	}
	*how = "main";
	id = dm__strmap_get(run->vpc_main_rtb, dm__pst_str(subnet->attrs, "vpc_id"));
	return id ? dm__pst_get(run, "aws_route_table", id) : NULL;
}

static int route_active(const json_t *r)
{
	const char *st = dm__pst_str(r, "state");

	return !*st || strcasecmp(st, "active") == 0;
}

const json_t *dm__pst_igw_route(const dm_resource *rtb, int family)
{
	const json_t *routes, *r;
	size_t i;

	if (!rtb)
		return NULL;
	routes = json_object_get(rtb->attrs, "route");
	json_array_foreach(routes, i, r) {
		const char *dst = dm__pst_str(r, family == 6 ? "ipv6_cidr_block" : "cidr_block");
		if (!route_active(r) || dm__pst_cidr_is_internet(dst) != family)
			continue;
		if (strncmp(dm__pst_str(r, "gateway_id"), "igw-", 4) == 0)
			return r;
	}
	return NULL;
}

typedef struct nacl_e {
	long long no;
	int proto;
	int from, to;
	int allow;
	pst_cidr cidr;
	const json_t *e;
} nacl_e;

typedef struct pst_nacl_c {
	nacl_e *v[2][2]; /* [egress][family == 6] */
	size_t n[2][2];
} nacl_c;

static int cmp_entry(const void *a, const void *b)
{
	const nacl_e *x = a, *y = b;

	return x->no < y->no ? -1 : x->no > y->no;
}

/* Parse and sort a NACL's entries once per run (first match needs rule-number order). */
static const nacl_c *nacl_compiled(pst_run *run, const dm_resource *nacl)
{
	nacl_c *c = dm__strmap_get(run->nacl_cache, nacl->id);
	int eg, f6;

	if (c)
		return c;
	c = dm__arena_alloc(run->arena, sizeof(*c));
	if (!c)
		return NULL;
	for (eg = 0; eg < 2; eg++) {
		const json_t *list = json_object_get(nacl->attrs, eg ? "egress" : "ingress"), *e;
		size_t cnt = json_array_size(list), i;
		for (f6 = 0; f6 < 2; f6++) {
			nacl_e *v = cnt ? dm__arena_alloc(run->arena, cnt * sizeof(*v)) : NULL;
			size_t n = 0;
			if (cnt && !v)
				return NULL;
			json_array_foreach(list, i, e) {
				const char *cs = dm__pst_str(e, f6 ? "ipv6_cidr_block" : "cidr_block");
				if (!*cs || dm__pst_cidr_parse(cs, &v[n].cidr) < 0)
					continue;
				v[n].no = dm__pst_int(e, "rule_no", dm__pst_int(e, "rule_number", 32767));
				v[n].proto = dm__pst_proto_parse(dm__pst_str(e, "protocol"));
				v[n].from = (int)dm__pst_int(e, "from_port", 0);
				v[n].to = (int)dm__pst_int(e, "to_port", 65535);
				v[n].allow = strcasecmp(dm__pst_str(e, "action"), "allow") == 0;
				v[n].e = e;
				n++;
			}
			if (n > 1)
				qsort(v, n, sizeof(*v), cmp_entry);
			c->v[eg][f6] = v;
			c->n[eg][f6] = n;
		}
	}
	if (dm__strmap_put(run->nacl_cache, nacl->id, c) < 0)
		return NULL;
	return c;
}

const struct pst_nacl_c *dm__pst_nacl_compile(pst_run *run, const dm_resource *nacl)
{
	return nacl_compiled(run, nacl);
}

int dm__pst_nacl_eval(pst_run *run, const dm_resource *nacl, int egress, int family,
		      const pst_cidr *cidr, int proto, int port, const json_t **entry)
{
	return dm__pst_nacl_eval_c(nacl_compiled(run, nacl), egress, family, cidr, proto, port, entry);
}

int dm__pst_nacl_eval_c(const struct pst_nacl_c *c, int egress, int family, const pst_cidr *cidr, int proto,
			int port, const json_t **entry)
{
	const nacl_e *v;
	size_t i, n;

	*entry = NULL;
	if (!c)
		return 0; /* out of memory: deny (never reports a false exposure) */
	v = c->v[egress ? 1 : 0][family == 6];
	n = c->n[egress ? 1 : 0][family == 6];
	for (i = 0; i < n; i++) {
		if (!dm__pst_cidr_contains(&v[i].cidr, cidr))
			continue;
		if (v[i].proto != PST_P_ALL) {
			if (proto == PST_P_ALL || v[i].proto != proto)
				continue;
			if ((v[i].proto == PST_P_TCP || v[i].proto == PST_P_UDP) && (port < v[i].from || port > v[i].to))
				continue;
		}
		*entry = v[i].e;
		return v[i].allow;
	}
	return 0; /* the implicit final `*` deny (not emitted by the provider) */
}

int dm__pst_nacl_is_default(pst_run *run, const dm_resource *nacl)
{
	const dm_resource *vpc;

	if ((nacl->flags & DM_RES_AWS_CREATED) || dm__pst_bool(nacl->attrs, "default") ||
	    dm__pst_bool(nacl->attrs, "is_default"))
		return 1;
	vpc = dm__pst_get(run, "aws_vpc", dm__pst_str(nacl->attrs, "vpc_id"));
	return vpc && strcmp(dm__pst_str(vpc->attrs, "default_network_acl_id"), nacl->id) == 0;
}

static json_t *entry_json(const json_t *e)
{
	/* evidence borrows the inventory's entry (the result never outlives the inventory) */
	return e ? json_incref((json_t *)e) : json_pack("{s:s,s:s}", "rule_no", "*", "action", "deny");
}

/* ---- network index --------------------------------------------------------------- */

static int map_push(pst_run *run, dm_strmap *m, const char *key, const void *val)
{
	pst_vec *v = dm__strmap_get(m, key);

	if (!v) {
		v = dm__pst_vec_new(run);
		if (!v || dm__strmap_put(m, key, v) < 0)
			return DM_ENOMEM;
	}
	return dm__pst_vec_push(v, val);
}

static const char *eni_subnet(const dm_resource *eni)
{
	return dm__pst_str(eni->attrs, "subnet_id");
}

static int ref_sg_atom(void *ud, const dm_resource *sg, const pst_atom *a)
{
	pst_run *run = ud;

	if (a->kind == 'g' && strcmp(a->source, sg->id) != 0)
		return dm__strmap_put(run->sg_refd, a->source, (void *)a->source);
	return 0;
}

static int net_index(pst_run *run)
{
	const pst_vec *v;
	size_t i, j;
	const json_t *x;

	v = dm__pst_type(run, "aws_network_acl");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		json_array_foreach(json_object_get(r->attrs, "subnet_ids"), j, x) {
			if (json_is_string(x) && dm__strmap_put(run->subnet_nacl, json_string_value(x), (void *)r) < 0)
				return DM_ENOMEM;
		}
	}
	v = dm__pst_type(run, "aws_network_acl_association");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		const dm_resource *acl = dm__pst_get(run, "aws_network_acl", dm__pst_str(r->attrs, "network_acl_id"));
		const char *sn = dm__pst_str(r->attrs, "subnet_id");
		if (acl && *sn && dm__strmap_put(run->subnet_nacl, sn, (void *)acl) < 0)
			return DM_ENOMEM;
	}
	v = dm__pst_type(run, "aws_route_table_association");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		const char *sn = dm__pst_str(r->attrs, "subnet_id");
		const char *rt = dm__pst_str(r->attrs, "route_table_id");
		if (*sn && *rt && dm__strmap_put(run->subnet_rtb, sn, (void *)rt) < 0)
			return DM_ENOMEM;
	}
	v = dm__pst_type(run, "aws_vpc");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		const char *rt = dm__pst_str(r->attrs, "main_route_table_id");
		if (*rt && dm__strmap_put(run->vpc_main_rtb, r->id, (void *)rt) < 0)
			return DM_ENOMEM;
	}
	v = dm__pst_type(run, "aws_main_route_table_association");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		const char *vpc = dm__pst_str(r->attrs, "vpc_id");
		const char *rt = dm__pst_str(r->attrs, "route_table_id");
		if (*vpc && *rt && dm__strmap_put(run->vpc_main_rtb, vpc, (void *)rt) < 0)
			return DM_ENOMEM;
	}
	v = dm__pst_type(run, "aws_network_interface");
	for (i = 0; i < v->n; i++) {
		const dm_resource *r = v->v[i];
		json_array_foreach(json_object_get(r->attrs, "security_groups"), j, x) {
			if (json_is_string(x) && map_push(run, run->sg_enis, json_string_value(x), r) < 0)
				return DM_ENOMEM;
		}
		if (*eni_subnet(r) && map_push(run, run->subnet_enis, eni_subnet(r), r) < 0)
			return DM_ENOMEM;
	}
	v = dm__pst_type(run, "aws_security_group");
	for (i = 0; i < v->n; i++) {
		if (dm__pst_sg_atoms(run, v->v[i], 0, ref_sg_atom, run) < 0 ||
		    dm__pst_sg_atoms(run, v->v[i], 1, ref_sg_atom, run) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

static const pst_vec *sg_enis(pst_run *run, const char *sg)
{
	const pst_vec *v = dm__strmap_get(run->sg_enis, sg);
	static const pst_vec none;

	return v ? v : &none;
}

static void scope_of(const dm_resource *r, char *buf, size_t cap)
{
	snprintf(buf, cap, "aws/%s/%s", r->account ? r->account : "*", r->region ? r->region : "*");
}

static int is_global_v6(const char *a)
{
	pst_cidr c;

	return dm__pst_cidr_parse(a, &c) == 0 && c.family == 6 && (c.a[0] & 0xe0) == 0x20;
}

/* ---- SEG-11: the internet-exposure path -------------------------------------------- */

enum { CLS_ADMIN = 0, CLS_DATA = 1, CLS_OTHER = 2 };
static const char *const cls_name[] = {"admin", "data", "other"};

typedef struct exp_best {
	int level;     /* 0 none, 1 latent, 2 complete */
	json_t *ev;
	int port, proto, family;
	const char *sg;
} exp_best;

typedef struct exp_ctx {
	pst_run *run;
	const dm_resource *eni, *subnet, *rtb, *nacl;
	const char *rtb_how;
	const char *pub4;
	const char *pub6;
	exp_best best[3];
} exp_ctx;

static int path_check(exp_ctx *x, const dm_resource *sg, const pst_atom *a, int cls, int proto,
		      int port)
{
	int fam = a->internet, level;
	const char *pub = fam == 6 ? x->pub6 : x->pub4;
	const json_t *route = dm__pst_igw_route(x->rtb, fam), *in_e = NULL, *out_e = NULL;
	int in_ok = 0, out_ok = 0;
	pst_cidr any;
	json_t *ev, *blocked, *nacl;
	exp_best *b = &x->best[cls];

	dm__pst_cidr_parse(fam == 6 ? "::/0" : "0.0.0.0/0", &any);
	if (x->nacl) {
		in_ok = dm__pst_nacl_eval(x->run, x->nacl, 0, fam, &any, proto, port, &in_e);
		out_ok = dm__pst_nacl_eval(x->run, x->nacl, 1, fam, &any, proto, 49152, &out_e);
	}
	level = pub && route && in_ok && out_ok ? 2 : 1;
	if (level <= b->level)
		return 0;
	blocked = json_array();
	if (!pub)
		json_array_append_new(blocked, dm__pst_jstr(x->run, fam == 6 ? "no global IPv6 address" : "no public IPv4 address"));
	if (!route)
		json_array_append_new(blocked, dm__pst_jstr(x->run, fam == 6 ? "no active ::/0 route to an internet gateway"
							    : "no active 0.0.0.0/0 route to an internet gateway"));
	if (!x->nacl)
		json_array_append_new(blocked, dm__pst_jstr(x->run, "subnet NACL unknown"));
	else if (!in_ok)
		json_array_append_new(blocked, dm__pst_jstr(x->run, "NACL ingress denies the port"));
	else if (!out_ok)
		json_array_append_new(blocked, dm__pst_jstr(x->run, "NACL egress denies ephemeral return ports"));
	nacl = x->nacl ? json_pack("{s:o,s:o,s:o,s:o,s:o}", "id", dm__pst_jstr(x->run, x->nacl->id), "ingress",
				   dm__pst_jstr(x->run, in_ok ? "allow" : "deny"), "ingress_entry", entry_json(in_e),
				   "egress", dm__pst_jstr(x->run, out_ok ? "allow" : "deny"), "egress_entry",
				   entry_json(out_e))
		       : json_null();
	ev = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "network_interface",
		       dm__pst_jstr(x->run, x->eni->id), "subnet", dm__pst_jstr(x->run, x->subnet ? x->subnet->id : ""),
		       "family", dm__pst_jstr(x->run, fam == 6 ? "ipv6" : "ipv4"), "protocol",
		       dm__pst_jstr(x->run, proto_name(proto)), "port", dm__pst_jint(x->run, port), "port_class",
		       dm__pst_jstr(x->run, cls_name[cls]), "public_address",
		       pub ? dm__pst_jstr(x->run, pub) : json_null(), "exposure",
		       dm__pst_jstr(x->run, level == 2 ? "complete" : "latent"), "route_table",
		       x->rtb ? json_pack("{s:o,s:o}", "id", dm__pst_jstr(x->run, x->rtb->id), "association",
					  dm__pst_jstr(x->run, x->rtb_how))
			      : json_null(),
		       "route", route ? json_incref((json_t *)route) : json_null(), "nacl", nacl ? nacl : json_null(),
		       "security_group_rule", dm__pst_atom_json(x->run, sg, a), "blocked_by", blocked);
	if (!ev)
		return DM_ENOMEM;
	{
		const json_t *att = dm__pst_block(x->eni->attrs, "attachment");
		if (att && *dm__pst_str(att, "instance"))
			json_object_set_new(ev, "instance", json_string(dm__pst_str(att, "instance")));
	}
	json_decref(b->ev);
	b->ev = ev;
	b->level = level;
	b->port = port;
	b->proto = proto;
	b->family = fam;
	b->sg = sg->id;
	return 0;
}

static int other_port(const pst_run *run, const pst_atom *a, int proto, int *port)
{
	/* a port of the atom outside the admin, data and allowed sets */
	const dm_posture_config *c = run->cfg;
	int p;

	for (p = a->from; p <= a->to; p++) {
		pst_atom one = *a;
		one.from = one.to = p;
		one.proto = proto;
		if (dm__pst_atom_hits(&one, &c->admin_ports, NULL) || dm__pst_atom_hits(&one, &c->data_ports, NULL) ||
		    ports_cover(&c->allowed_ports, proto, p, p)) {
			continue;
		}
		*port = p;
		return 1;
	}
	return 0;
}

static int exp_atom(void *ud, const dm_resource *sg, const pst_atom *a)
{
	exp_ctx *x = ud;
	const dm_posture_config *c = x->run->cfg;
	pst_port hit;
	int proto = a->proto == PST_P_UDP ? PST_P_UDP : PST_P_TCP, port, rc;

	if (!a->internet || a->from < 0)
		return 0;
	if (dm__pst_atom_hits(a, &c->admin_ports, &hit) &&
	    (rc = path_check(x, sg, a, CLS_ADMIN, hit.proto, hit.from)) < 0)
		return rc;
	if (dm__pst_atom_hits(a, &c->data_ports, &hit) &&
	    (rc = path_check(x, sg, a, CLS_DATA, hit.proto, hit.from)) < 0)
		return rc;
	if (other_port(x->run, a, proto, &port) && (rc = path_check(x, sg, a, CLS_OTHER, proto, port)) < 0)
		return rc;
	return 0;
}

static const char *eni_public_v4(const dm_resource *eni)
{
	const json_t *as = dm__pst_block(eni->attrs, "association");
	const char *ip = as ? dm__pst_str(as, "public_ip") : "";

	if (!*ip)
		ip = dm__pst_str(eni->attrs, "public_ip");
	return *ip ? ip : NULL;
}

static const char *eni_public_v6(const dm_resource *eni)
{
	const json_t *l = json_object_get(eni->attrs, "ipv6_addresses"), *v;
	size_t i;

	json_array_foreach(l, i, v) {
		if (json_is_string(v) && is_global_v6(json_string_value(v)))
			return json_string_value(v);
	}
	return NULL;
}

static int seg11_region_ok(pst_run *run, const dm_resource *eni)
{
	static const char *const need[] = {"aws_network_interface", "aws_subnet", "aws_route_table",
					   "aws_network_acl", "aws_security_group"};
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ok &= dm__pst_need(run, "SEG-11", need[i], eni->account, eni->region);
	return ok;
}

static int seg11(pst_run *run, dm_strmap *sg_exposed)
{
	const pst_vec *enis = dm__pst_type(run, "aws_network_interface");
	const pst_eni *info;
	const char *last_acct = NULL, *last_region = "";
	size_t i, j, k;
	int rc = 0, last_ok = 0;

	if (!dm__pst_rule_on(run, "SEG-11") && !dm__pst_rule_on(run, "SEG-02"))
		return 0;
	if (!enis->n) {
		const pst_vec *sgs = dm__pst_type(run, "aws_security_group");
		if (sgs->n) {
			const dm_resource *sg = sgs->v[0];
			dm__pst_need(run, "SEG-11", "aws_network_interface", sg->account, sg->region);
		}
		return 0;
	}
	if (!(info = dm__pst_enis(run)))
		return DM_ENOMEM;
	for (i = 0; i < enis->n; i++) {
		const dm_resource *eni = enis->v[i];
		exp_ctx x;
		/* ENIs come grouped by scope: re-check only when (account, region) changes */
		if (!last_acct || strcmp(last_acct, eni->account ? eni->account : "") != 0 ||
		    strcmp(last_region, eni->region ? eni->region : "") != 0) {
			last_acct = eni->account ? eni->account : "";
			last_region = eni->region ? eni->region : "";
			last_ok = seg11_region_ok(run, eni);
		}
		if (!last_ok)
			continue;
		memset(&x, 0, sizeof(x));
		x.run = run;
		x.eni = eni;
		x.subnet = info[i].subnet;
		x.rtb = x.subnet ? dm__pst_subnet_rtb(run, x.subnet, &x.rtb_how) : NULL;
		x.nacl = dm__strmap_get(run->subnet_nacl, eni_subnet(eni));
		x.pub4 = eni_public_v4(eni);
		x.pub6 = eni_public_v6(eni);
		for (j = 0; j < info[i].nsgs; j++) {
			if ((rc = dm__pst_sg_atoms(run, info[i].sgs[j], 0, exp_atom, &x)) < 0)
				break;
		}
		for (k = 0; k < 3; k++) {
			exp_best *b = &x.best[k];
			char sub[64];
			dm_severity sev;
			if (!b->level || rc < 0) {
				json_decref(b->ev);
				continue;
			}
			if (b->level == 2 && k == CLS_ADMIN) {
				char key[256];
				const char *kk;
				snprintf(key, sizeof(key), "%s\x1f%d", b->sg, b->family);
				kk = dm__pst_intern(run, key);
				if (!kk || dm__strmap_put(sg_exposed, kk, (void *)kk) < 0) {
					json_decref(b->ev);
					rc = DM_ENOMEM;
					continue;
				}
			}
			sev = b->level == 1 ? DM_SEV_MEDIUM : k == CLS_OTHER ? DM_SEV_HIGH : DM_SEV_CRITICAL;
			snprintf(sub, sizeof(sub), "%s", cls_name[k]);
			if (!dm__pst_rule_on(run, "SEG-11")) {
				json_decref(b->ev);
				continue;
			}
			rc = dm__pst_add(run, "SEG-11", sev, eni, sub, b->ev, NULL, 0,
					 "%s %s exposure of %s/%d on %s (%s)",
					 b->level == 2 ? "Internet" : "Latent", cls_name[k], proto_name(b->proto),
					 b->port, eni->id, b->family == 6 ? "IPv6" : "IPv4");
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- SEG-01…07, 15: security groups -------------------------------------------------- */

typedef struct sg_ctx {
	pst_run *run;
	dm_strmap *sg_exposed;
	dm_strmap *vpc_cidrs; /* cidr -> vpc id */
	const char *vpc_cidr;
	int all_allowed_enis; /* SEG-05 downgrade */
	int enis_known;
} sg_ctx;

static const dm_posture_compliance c02v4[] = {
	{"cis-aws-3.0", "5.2"}, {"cis-aws-4.0", "5.3"}, {"cis-aws-5.0", "5.3"}, {"cis-aws-6.0", "6.3"},
	{"aws-fsbp", "EC2.53"}};
static const dm_posture_compliance c02v6[] = {
	{"cis-aws-3.0", "5.3"}, {"cis-aws-4.0", "5.4"}, {"cis-aws-5.0", "5.4"}, {"cis-aws-6.0", "6.4"},
	{"aws-fsbp", "EC2.54"}};
static const dm_posture_compliance c03cifs[] = {
	{"cis-aws-4.0", "5.1.2"}, {"cis-aws-5.0", "5.1.2"}, {"cis-aws-6.0", "6.1.2"}, {"aws-fsbp", "EC2.19"}};
static const dm_posture_compliance c03[] = {{"aws-fsbp", "EC2.19"}};

/* k1/v1, k2/v2: extra evidence after the rule's (values stolen; k NULL: none) */
static int add_sg(sg_ctx *x, const char *rule, dm_severity sev, const dm_resource *sg, const pst_atom *a,
		  const char *k1, json_t *v1, const char *k2, json_t *v2, const dm_posture_compliance *comp,
		  size_t ncomp, const char *what)
{
	char ak[400];
	json_t *ev = dm__pst_atom_json(x->run, sg, a);

	if (!ev) {
		json_decref(v1);
		json_decref(v2);
		return DM_ENOMEM;
	}
	if (k1)
		json_object_set_new(ev, k1, v1);
	if (k2)
		json_object_set_new(ev, k2, v2);
	atom_subkey(a, ak, sizeof(ak));
	return dm__pst_add(x->run, rule, sev, sg, ak, ev, comp, ncomp, "%s: %s %s/%d-%d from %s%s%s", sg->id,
			   what, proto_name(a->proto), a->from, a->to, a->source,
			   a->via_pl_cidr ? " containing " : "", a->via_pl_cidr ? a->via_pl_cidr : "");
}

static int is_special_v4(const pst_cidr *c)
{
	/* 0.0.0.0/8 10/8 100.64/10 127/8 169.254/16 172.16/12 192.0.0/24 192.0.2/24 192.88.99/24
	   192.168/16 198.18/15 198.51.100/24 203.0.113/24 224/4 240/4 */
	static const struct { unsigned char a[4]; int len; } special[] = {
		{{0, 0, 0, 0}, 8},      {{10, 0, 0, 0}, 8},     {{100, 64, 0, 0}, 10},  {{127, 0, 0, 0}, 8},
		{{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12},  {{192, 0, 0, 0}, 24},   {{192, 0, 2, 0}, 24},
		{{192, 88, 99, 0}, 24}, {{192, 168, 0, 0}, 16}, {{198, 18, 0, 0}, 15},  {{198, 51, 100, 0}, 24},
		{{203, 0, 113, 0}, 24}, {{224, 0, 0, 0}, 4},    {{240, 0, 0, 0}, 4}};
	size_t i;
	pst_cidr s;

	memset(&s, 0, sizeof(s));
	s.family = 4;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		memcpy(s.a, special[i].a, 4);
		s.len = special[i].len;
		if (dm__pst_cidr_contains(&s, c))
			return 1;
	}
	return 0;
}

static int sg_atom(void *ud, const dm_resource *sg, const pst_atom *a)
{
	sg_ctx *x = ud;
	pst_run *run = x->run;
	const dm_posture_config *c = run->cfg;
	pst_port hit;
	int rc = 0, all_ports, reported = 0;

	if (a->egress) {
		const pst_cidr cc = a->cidr;
		/* SEG-06 on egress: broad public destinations (0/0 is normal egress) */
		if (dm__pst_rule_on(run, "SEG-06") && (a->kind == 'c' || a->kind == '6') &&
		    a->cidr_ok && cc.len > 0 &&
		    ((cc.family == 4 && cc.len < 24 && !is_special_v4(&cc)) ||
		     (cc.family == 6 && cc.len < 48 && (cc.a[0] & 0xe0) == 0x20)) &&
		    !dm__pst_strs_has(&c->trusted_cidrs, a->source))
			return add_sg(x, "SEG-06", DM_SEV_MEDIUM, sg, a, NULL, NULL, NULL, NULL, NULL, 0,
				      "egress to a broad public range");
		return 0;
	}
	if (a->internet) {
		all_ports = a->proto == PST_P_ALL ||
			    ((a->proto == PST_P_TCP || a->proto == PST_P_UDP) && a->from <= 1 && a->to >= 65535);
		if (all_ports && dm__pst_rule_on(run, "SEG-01"))
			return add_sg(x, "SEG-01", DM_SEV_CRITICAL, sg, a, NULL, NULL, NULL, NULL, NULL, 0,
				      "all traffic from the internet");
		if (all_ports)
			return 0;
		if (dm__pst_atom_hits(a, &c->admin_ports, &hit)) {
			char key[256];
			int crit;
			snprintf(key, sizeof(key), "%s\x1f%d", sg->id, a->internet);
			crit = dm__strmap_get(x->sg_exposed, key) != NULL;
			reported = 1;
			if (dm__pst_rule_on(run, "SEG-02") &&
			    (rc = add_sg(x, "SEG-02", crit ? DM_SEV_CRITICAL : DM_SEV_HIGH, sg, a, "port",
					 dm__pst_jint(run, hit.from), "exposure_path_complete", json_boolean(crit),
					 a->internet == 6 ? c02v6 : c02v4, 5, "remote-admin port open to the internet")) < 0)
				return rc;
		}
		if (dm__pst_atom_hits(a, &c->data_ports, &hit)) {
			int cifs = hit.from <= 445 && 445 <= hit.to;
			reported = 1;
			if (dm__pst_rule_on(run, "SEG-03") &&
			    (rc = add_sg(x, "SEG-03", DM_SEV_HIGH, sg, a, "port", dm__pst_jint(run, hit.from), NULL, NULL,
					 cifs ? c03cifs : c03, cifs ? 4 : 1, "data-store port open to the internet")) < 0)
				return rc;
		}
		if (dm__pst_atom_hits(a, &c->high_risk_ports, &hit)) {
			reported = 1;
			if (dm__pst_rule_on(run, "SEG-04") &&
			    (rc = add_sg(x, "SEG-04", DM_SEV_MEDIUM, sg, a, "port", dm__pst_jint(run, hit.from), NULL, NULL,
					 NULL, 0, "high-risk port open to the internet")) < 0)
				return rc;
		}
		if (!reported && (a->proto == PST_P_TCP || a->proto == PST_P_UDP) &&
		    !ports_cover(&c->allowed_ports, a->proto, a->from, a->to) && dm__pst_rule_on(run, "SEG-05")) {
			dm_severity sev = x->all_allowed_enis ? DM_SEV_INFO : DM_SEV_MEDIUM;
			return add_sg(x, "SEG-05", sev, sg, a, "attached_interfaces",
				      dm__pst_jstr(run, !x->enis_known ? "unknown (aws_network_interface not collected)"
						   : x->all_allowed_enis ? "all of an allowed type (load balancer, API gateway, endpoint)"
						   : "include workload interfaces"), NULL, NULL,
				      NULL, 0, "internet ingress to a port outside allowed_internet_ports");
		}
		return 0;
	}
	if (a->kind == 'c' || a->kind == '6') {
		const pst_cidr cc = a->cidr;
		if (!a->cidr_ok)
			return 0;
		/* SEG-06: broad public CIDRs */
		if (dm__pst_rule_on(run, "SEG-06") && cc.len > 0 &&
		    ((cc.family == 4 && cc.len < 24 && !is_special_v4(&cc)) ||
		     (cc.family == 6 && cc.len < 48 && (cc.a[0] & 0xe0) == 0x20)) &&
		    !dm__pst_strs_has(&c->trusted_cidrs, a->source) &&
		    (rc = add_sg(x, "SEG-06", DM_SEV_MEDIUM, sg, a, NULL, NULL, NULL, NULL, NULL, 0,
				 "ingress from a broad public range")) < 0)
			return rc;
		/* SEG-15: admin/DB ports from a whole VPC, an RFC1918 supernet, another VPC */
		if (dm__pst_rule_on(run, "SEG-15") &&
		    (dm__pst_atom_hits(a, &c->admin_ports, &hit) || dm__pst_atom_hits(a, &c->data_ports, &hit))) {
			static const char *const sup[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};
			const char *why = NULL, *other = dm__strmap_get(x->vpc_cidrs, a->source);
			size_t i;
			for (i = 0; i < 3 && !why; i++) {
				pst_cidr s;
				dm__pst_cidr_parse(sup[i], &s);
				if (dm__pst_cidr_contains(&cc, &s))
					why = "an RFC1918 supernet";
			}
			if (!why && x->vpc_cidr && strcmp(x->vpc_cidr, a->source) == 0)
				why = "the whole VPC CIDR";
			if (!why && other && strcmp(other, dm__pst_str(sg->attrs, "vpc_id")) != 0)
				why = "another VPC's whole CIDR";
			if (why)
				return add_sg(x, "SEG-15", DM_SEV_MEDIUM, sg, a, "port", dm__pst_jint(run, hit.from),
					      "breadth", dm__pst_jstr(run, why), NULL, 0,
					      "admin/data port open to a broad internal range");
		}
		return 0;
	}
	if (a->kind == 's' && a->proto == PST_P_ALL && dm__pst_rule_on(run, "SEG-15"))
		return add_sg(x, "SEG-15", DM_SEV_LOW, sg, a, "breadth", dm__pst_jstr(run, "all ports to self"), NULL, NULL,
			      NULL, 0, "all traffic between members of the group");
	return 0;
}

static int eni_allowed_type(const dm_resource *eni)
{
	const char *t = dm__pst_str(eni->attrs, "interface_type");
	const json_t *att = dm__pst_block(eni->attrs, "attachment");
	const char *owner = att ? dm__pst_str(att, "instance_owner_id") : "";

	return strcmp(t, "api_gateway_managed") == 0 || strcmp(t, "vpc_endpoint") == 0 ||
	       strcmp(owner, "amazon-elb") == 0 || strcmp(t, "network_load_balancer") == 0 ||
	       strcmp(t, "gateway_load_balancer") == 0;
}

static int is_default_sg(const dm_resource *sg)
{
	return strcmp(dm__pst_str(sg->attrs, "name"), "default") == 0;
}

static int sg_rules(pst_run *run, dm_strmap *sg_exposed)
{
	const pst_vec *sgs = dm__pst_type(run, "aws_security_group"), *vpcs = dm__pst_type(run, "aws_vpc");
	sg_ctx x;
	const char *last_acct = NULL, *last_region = "";
	size_t i, j;
	int rc = 0, last_known = 0;

	memset(&x, 0, sizeof(x));
	x.run = run;
	x.sg_exposed = sg_exposed;
	if (dm__strmap_new(&x.vpc_cidrs, vpcs->n + 1) < 0)
		return DM_ENOMEM;
	for (i = 0; i < vpcs->n; i++) {
		const dm_resource *v = vpcs->v[i];
		const char *c = dm__pst_str(v->attrs, "cidr_block");
		if (*c && dm__strmap_put(x.vpc_cidrs, c, (void *)v->id) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
	}
	for (i = 0; i < sgs->n; i++) {
		const dm_resource *sg = sgs->v[i];
		const pst_vec *enis = sg_enis(run, sg->id);
		const dm_resource *vpc = dm__pst_get(run, "aws_vpc", dm__pst_str(sg->attrs, "vpc_id"));
		x.vpc_cidr = vpc ? dm__pst_str(vpc->attrs, "cidr_block") : NULL;
		if (!last_acct || strcmp(last_acct, sg->account ? sg->account : "") != 0 ||
		    strcmp(last_region, sg->region ? sg->region : "") != 0) {
			last_acct = sg->account ? sg->account : "";
			last_region = sg->region ? sg->region : "";
			last_known = dm__pst_complete(run, "aws_network_interface", sg->account, sg->region) == 1;
		}
		x.enis_known = last_known;
		x.all_allowed_enis = x.enis_known && enis->n > 0;
		for (j = 0; j < enis->n; j++)
			x.all_allowed_enis &= eni_allowed_type(enis->v[j]);
		if ((rc = dm__pst_sg_atoms(run, sg, 0, sg_atom, &x)) < 0 ||
		    (rc = dm__pst_sg_atoms(run, sg, 1, sg_atom, &x)) < 0)
			goto done;
		/* SEG-07: default SG with rules */
		if (is_default_sg(sg) && dm__pst_rule_on(run, "SEG-07") &&
		    (json_array_size(json_object_get(sg->attrs, "ingress")) ||
		     json_array_size(json_object_get(sg->attrs, "egress")))) {
			json_t *ev = json_pack("{s:O?,s:O?,s:i,s:s}", "ingress", json_object_get(sg->attrs, "ingress"),
					       "egress", json_object_get(sg->attrs, "egress"), "attached_interfaces",
					       (int)enis->n, "usage",
					       x.enis_known ? (enis->n ? "in use" : "unused")
							    : "unknown (aws_network_interface not collected)");
			if ((rc = dm__pst_add(run, "SEG-07", enis->n ? DM_SEV_HIGH : DM_SEV_MEDIUM, sg, "", ev, NULL, 0,
					      "default security group %s has rules%s", sg->id,
					      enis->n ? " and is in use" : "")) < 0)
				goto done;
		}
		/* SEG-16: unused non-default SG */
		if (!is_default_sg(sg) && dm__pst_rule_on(run, "SEG-16") && x.enis_known && !enis->n &&
		    !dm__strmap_get(run->sg_refd, sg->id)) {
			if ((rc = dm__pst_add(run, "SEG-16", DM_SEV_LOW, sg, "unused-sg",
					      json_pack("{s:s,s:s}", "security_group", sg->id, "name",
							dm__pst_str(sg->attrs, "name")),
					      NULL, 0, "security group %s is attached to no interface and referenced by no group",
					      sg->id)) < 0)
				goto done;
		} else if (!x.enis_known && dm__pst_rule_on(run, "SEG-16")) {
			char scope[256];
			scope_of(sg, scope, sizeof(scope));
			dm__pst_not_eval(run, "SEG-16", scope,
					 "unused security groups: aws_network_interface not collected");
		}
	}
done:
	dm__strmap_free(x.vpc_cidrs);
	return rc;
}

/* ---- SEG-08, 09, 16: NACLs ---------------------------------------------------------- */

static int nacl_rules_eval(pst_run *run, const pst_vec *v, dm_strmap *assoc_set);

static int nacl_rules(pst_run *run)
{
	const pst_vec *v = dm__pst_type(run, "aws_network_acl");
	const pst_vec *as = dm__pst_type(run, "aws_network_acl_association");
	dm_strmap *assoc_set = NULL;
	size_t i;
	int rc = 0;

	if (dm__strmap_new(&assoc_set, as->n + 1) < 0)
		return DM_ENOMEM;
	for (i = 0; i < as->n; i++) {
		const char *id = dm__pst_str(((const dm_resource *)as->v[i])->attrs, "network_acl_id");
		if (*id && dm__strmap_put(assoc_set, id, (void *)id) < 0) {
			dm__strmap_free(assoc_set);
			return DM_ENOMEM;
		}
	}
	rc = nacl_rules_eval(run, v, assoc_set);
	dm__strmap_free(assoc_set);
	return rc;
}

static int nacl_rules_eval(pst_run *run, const pst_vec *v, dm_strmap *assoc_set)
{
	const dm_posture_config *c = run->cfg;
	size_t i, j;
	int rc = 0, fam;

	for (i = 0; i < v->n; i++) {
		const dm_resource *nacl = v->v[i];
		int assoc = json_array_size(json_object_get(nacl->attrs, "subnet_ids")) > 0;
		int dflt = dm__pst_nacl_is_default(run, nacl);
		if (!assoc) /* association resources can also say it */
			assoc = dm__strmap_get(assoc_set, nacl->id) != NULL;
		if (!assoc) {
			if (!dflt && dm__pst_rule_on(run, "SEG-16") &&
			    (rc = dm__pst_add(run, "SEG-16", DM_SEV_LOW, nacl, "unused-nacl",
					      json_pack("{s:s}", "network_acl", nacl->id), NULL, 0,
					      "network ACL %s is associated with no subnet", nacl->id)) < 0)
				return rc;
			continue;
		}
		for (fam = 4; fam <= 6; fam += 2) {
			pst_cidr any;
			const json_t *e;
			dm__pst_cidr_parse(fam == 6 ? "::/0" : "0.0.0.0/0", &any);
			if (dm__pst_rule_on(run, "SEG-08")) {
				for (j = 0; j < c->admin_ports.n; j++) {
					int port = c->admin_ports.v[j].from, proto;
					/* SSH and RDP need TCP (RDP's UDP transport rides on a TCP session) */
					for (proto = PST_P_TCP; proto == PST_P_TCP; proto++) {
						char sub[64];
						json_t *ev;
						if (!dm__pst_nacl_eval(run, nacl, 0, fam, &any, proto, port, &e))
							continue;
						snprintf(sub, sizeof(sub), "ipv%d:%d", fam, port);
						ev = json_pack("{s:o,s:o,s:o,s:o,s:o}", "network_acl", dm__pst_jstr(run, nacl->id),
							       "family", dm__pst_jstr(run, fam == 6 ? "ipv6" : "ipv4"), "port",
							       dm__pst_jint(run, port), "protocol", dm__pst_jstr(run, proto_name(proto)),
							       "first_matching_entry", entry_json(e));
						if ((rc = dm__pst_add(run, "SEG-08", DM_SEV_MEDIUM, nacl, sub, ev, NULL, 0,
								      "%s: first matching %s ingress entry allows port %d from the internet",
								      nacl->id, fam == 6 ? "IPv6" : "IPv4", port)) < 0)
							return rc;
						break;
					}
				}
			}
			if (dm__pst_rule_on(run, "SEG-09") && dm__pst_nacl_eval(run, nacl, 0, fam, &any, PST_P_ALL, 0, &e)) {
				char sub[16];
				json_t *ev = json_pack("{s:o,s:o,s:b,s:o}", "network_acl", dm__pst_jstr(run, nacl->id),
						       "family", dm__pst_jstr(run, fam == 6 ? "ipv6" : "ipv4"), "default_nacl", dflt,
						       "first_matching_entry", entry_json(e));
				snprintf(sub, sizeof(sub), "ipv%d", fam);
				if ((rc = dm__pst_add(run, "SEG-09", dflt ? DM_SEV_INFO : DM_SEV_LOW, nacl, sub, ev, NULL, 0,
						      "%s%s allows all %s traffic from the internet", dflt ? "default " : "",
						      nacl->id, fam == 6 ? "IPv6" : "IPv4")) < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- SEG-10 ------------------------------------------------------------------------ */

static int seg10(pst_run *run)
{
	const pst_vec *v = dm__pst_type(run, "aws_subnet");
	size_t i, j;
	int rc;

	if (!dm__pst_rule_on(run, "SEG-10"))
		return 0;
	for (i = 0; i < v->n; i++) {
		const dm_resource *s = v->v[i];
		if (dm__pst_bool(s->attrs, "map_public_ip_on_launch") &&
		    (rc = dm__pst_add(run, "SEG-10", DM_SEV_MEDIUM, s, "map_public_ip_on_launch",
				      json_pack("{s:o,s:b,s:b}", "subnet", dm__pst_jstr(run, s->id), "map_public_ip_on_launch", 1,
						"default_for_az", dm__pst_bool(s->attrs, "default_for_az")),
				      NULL, 0, "subnet %s assigns public IPv4 addresses on launch", s->id)) < 0)
			return rc;
		if (dm__pst_bool(s->attrs, "assign_ipv6_address_on_creation") &&
		    (rc = dm__pst_add(run, "SEG-10", DM_SEV_MEDIUM, s, "assign_ipv6_address_on_creation",
				      json_pack("{s:s,s:b}", "subnet", s->id, "assign_ipv6_address_on_creation", 1),
				      NULL, 0, "subnet %s assigns IPv6 addresses on creation", s->id)) < 0)
			return rc;
	}
	v = dm__pst_type(run, "aws_launch_template");
	for (i = 0; i < v->n; i++) {
		const dm_resource *lt = v->v[i];
		const json_t *nis = json_object_get(lt->attrs, "network_interfaces"), *ni;
		json_array_foreach(nis, j, ni) {
			if (!dm__pst_bool(ni, "associate_public_ip_address"))
				continue;
			rc = dm__pst_add(run, "SEG-10", DM_SEV_MEDIUM, lt, "associate_public_ip_address",
					 json_pack("{s:s,s:O,s:O?}", "launch_template", lt->id, "network_interface", ni,
						   "version", json_object_get(lt->attrs, "default_version")),
					 NULL, 0, "launch template %s associates a public IP address", lt->id);
			if (rc < 0)
				return rc;
			break;
		}
	}
	if (!v->n && dm__pst_type(run, "aws_subnet")->n) {
		const dm_resource *s = dm__pst_type(run, "aws_subnet")->v[0];
		dm__pst_need(run, "SEG-10", "aws_launch_template", s->account, s->region);
	}
	return 0;
}

/* ---- SEG-12 flow logs ----------------------------------------------------------------- */

static int flow_ok(const dm_resource *fl, int *reject_only)
{
	const char *st = dm__pst_str(fl->attrs, "flow_log_status");
	const char *dl = dm__pst_str(fl->attrs, "deliver_logs_status");

	*reject_only = strcasecmp(dm__pst_str(fl->attrs, "traffic_type"), "REJECT") == 0;
	return (!*st || strcasecmp(st, "ACTIVE") == 0) && strcasecmp(dl, "FAILED") != 0;
}

static int seg12(pst_run *run)
{
	const pst_vec *vpcs = dm__pst_type(run, "aws_vpc"), *fls = dm__pst_type(run, "aws_flow_log");
	const pst_vec *subs = dm__pst_type(run, "aws_subnet");
	dm_strmap *by_res = NULL, *vpc_subs = NULL;
	size_t i, j;
	int rc = 0;

	if (!dm__pst_rule_on(run, "SEG-12"))
		return 0;
	if (dm__strmap_new(&by_res, fls->n + 1) < 0 || dm__strmap_new(&vpc_subs, vpcs->n + 1) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	for (i = 0; i < fls->n; i++) {
		const dm_resource *fl = fls->v[i];
		const char *k = dm__pst_str(fl->attrs, "vpc_id");
		if (!*k)
			k = dm__pst_str(fl->attrs, "subnet_id");
		if (*k && (rc = map_push(run, by_res, k, fl)) < 0)
			goto done;
	}
	for (i = 0; i < subs->n; i++) {
		const dm_resource *s = subs->v[i];
		if ((rc = map_push(run, vpc_subs, dm__pst_str(s->attrs, "vpc_id"), s)) < 0)
			goto done;
	}
	for (i = 0; i < vpcs->n; i++) {
		const dm_resource *vpc = vpcs->v[i];
		const pst_vec *logs = dm__strmap_get(by_res, vpc->id), *ss = dm__strmap_get(vpc_subs, vpc->id);
		int healthy = 0, reject_only = 1, any = 0, ro;
		json_t *missing = json_array(), *ids = json_array();
		if (!dm__pst_need(run, "SEG-12", "aws_flow_log", vpc->account, vpc->region)) {
			json_decref(missing);
			json_decref(ids);
			continue;
		}
		for (j = 0; logs && j < logs->n; j++) {
			const dm_resource *fl = logs->v[j];
			any = 1;
			json_array_append_new(ids, json_string(fl->id));
			if (flow_ok(fl, &ro)) {
				healthy = 1;
				reject_only &= ro;
			}
		}
		if (!any) { /* subnet-level logs on every subnet count (ScoutSuite) */
			int all = ss && ss->n > 0;
			for (j = 0; ss && j < ss->n; j++) {
				const dm_resource *s = ss->v[j];
				const pst_vec *sl = dm__strmap_get(by_res, s->id);
				size_t k;
				int ok = 0;
				for (k = 0; sl && k < sl->n; k++) {
					json_array_append_new(ids, json_string(((const dm_resource *)sl->v[k])->id));
					if (flow_ok(sl->v[k], &ro)) {
						ok = 1;
						reject_only &= ro;
					}
				}
				if (!ok) {
					all = 0;
					json_array_append_new(missing, json_string(s->id));
				}
			}
			healthy = all;
			any = all;
		}
		if (!any)
			rc = dm__pst_add(run, "SEG-12", DM_SEV_MEDIUM, vpc, "missing",
					 json_pack("{s:s,s:o,s:o}", "vpc", vpc->id, "flow_logs", ids,
						   "subnets_without_flow_log", missing),
					 NULL, 0, "VPC %s has no flow log", vpc->id);
		else if (!healthy)
			rc = dm__pst_add(run, "SEG-12", DM_SEV_MEDIUM, vpc, "unhealthy",
					 json_pack("{s:s,s:o,s:o}", "vpc", vpc->id, "flow_logs", ids,
						   "subnets_without_flow_log", missing),
					 NULL, 0, "VPC %s flow logs are not active or failing delivery", vpc->id);
		else if (reject_only)
			rc = dm__pst_add(run, "SEG-12", DM_SEV_INFO, vpc, "reject-only",
					 json_pack("{s:s,s:o,s:o}", "vpc", vpc->id, "flow_logs", ids,
						   "subnets_without_flow_log", missing),
					 NULL, 0, "VPC %s flow logs capture REJECT traffic only", vpc->id);
		else {
			json_decref(ids);
			json_decref(missing);
		}
		if (rc < 0)
			goto done;
	}
done:
	dm__strmap_free(by_res);
	dm__strmap_free(vpc_subs);
	return rc;
}

/* ---- SEG-13, 14: peering and transit ------------------------------------------------- */

static int seg13_14(pst_run *run)
{
	const pst_vec *rts = dm__pst_type(run, "aws_route_table"), *pcx = dm__pst_type(run, "aws_vpc_peering_connection");
	const pst_vec *tgw = dm__pst_type(run, "aws_ec2_transit_gateway");
	const dm_posture_config *c = run->cfg;
	size_t i, j;
	int rc;

	for (i = 0; dm__pst_rule_on(run, "SEG-13") && i < rts->n; i++) {
		const dm_resource *rt = rts->v[i];
		const json_t *routes = json_object_get(rt->attrs, "route"), *r;
		const dm_resource *own = dm__pst_get(run, "aws_vpc", dm__pst_str(rt->attrs, "vpc_id"));
		json_array_foreach(routes, j, r) {
			const char *p = dm__pst_str(r, "vpc_peering_connection_id");
			const char *d4 = dm__pst_str(r, "cidr_block"), *d6 = dm__pst_str(r, "ipv6_cidr_block");
			const char *dst = *d4 ? d4 : d6, *why = NULL;
			const dm_resource *pc, *peer = NULL;
			if (!*p || strcmp(dm__pst_str(r, "origin"), "CreateRouteTable") == 0)
				continue;
			pc = dm__pst_get(run, "aws_vpc_peering_connection", p);
			if (pc) {
				const char *pv = dm__pst_str(pc->attrs, "peer_vpc_id");
				if (own && strcmp(pv, own->id) == 0)
					pv = dm__pst_str(pc->attrs, "vpc_id");
				peer = dm__pst_get(run, "aws_vpc", pv);
			}
			if (dm__pst_cidr_is_internet(dst))
				why = "the internet CIDR";
			else if (own && (strcmp(dst, dm__pst_str(own->attrs, "cidr_block")) == 0 ||
					 strcmp(dst, dm__pst_str(own->attrs, "ipv6_cidr_block")) == 0))
				why = "the whole local VPC CIDR";
			else if (peer && (strcmp(dst, dm__pst_str(peer->attrs, "cidr_block")) == 0 ||
					  strcmp(dst, dm__pst_str(peer->attrs, "ipv6_cidr_block")) == 0))
				why = "the whole peer VPC CIDR";
			else if (pc && (strcmp(dst, dm__pst_str(pc->attrs, "peer_cidr_block")) == 0))
				why = "the whole peer VPC CIDR";
			if (!why)
				continue;
			{
				char sub[128];
				snprintf(sub, sizeof(sub), "%s:%s", p, dst);
				rc = dm__pst_add(run, "SEG-13", DM_SEV_LOW, rt, sub,
						 json_pack("{s:s,s:O,s:s}", "route_table", rt->id, "route", r, "breadth", why),
						 NULL, 0, "%s routes %s (%s) to peering %s", rt->id, dst, why, p);
				if (rc < 0)
					return rc;
			}
		}
	}
	for (i = 0; dm__pst_rule_on(run, "SEG-14") && i < pcx->n; i++) {
		const dm_resource *pc = pcx->v[i];
		const char *st = dm__pst_str(pc->attrs, "accept_status");
		const char *owners[2];
		size_t k;
		owners[0] = dm__pst_str(pc->attrs, "peer_owner_id");
		owners[1] = dm__pst_str(pc->attrs, "requester_owner_id");
		if (*st && strcasecmp(st, "active") != 0)
			continue;
		for (k = 0; k < 2; k++) {
			if (!*owners[k] || (pc->account && strcmp(owners[k], pc->account) == 0) ||
			    dm__pst_strs_has(&c->trusted_accounts, owners[k]))
				continue;
			rc = dm__pst_add(run, "SEG-14", DM_SEV_MEDIUM, pc, owners[k],
					 json_pack("{s:s,s:s,s:s,s:s,s:s}", "peering", pc->id, "vpc_id",
						   dm__pst_str(pc->attrs, "vpc_id"), "peer_vpc_id",
						   dm__pst_str(pc->attrs, "peer_vpc_id"), "untrusted_account", owners[k],
						   "accept_status", st),
					 NULL, 0, "peering %s connects to account %s, not in trusted_account_ids", pc->id,
					 owners[k]);
			if (rc < 0)
				return rc;
		}
	}
	for (i = 0; dm__pst_rule_on(run, "SEG-14") && i < tgw->n; i++) {
		const dm_resource *t = tgw->v[i];
		if (strcasecmp(dm__pst_str(t->attrs, "auto_accept_shared_attachments"), "enable") != 0)
			continue;
		rc = dm__pst_add(run, "SEG-14", DM_SEV_HIGH, t, "auto-accept",
				 json_pack("{s:s,s:s}", "transit_gateway", t->id, "auto_accept_shared_attachments", "enable"),
				 NULL, 0, "transit gateway %s auto-accepts shared attachments", t->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- SEG-16: IGWs ------------------------------------------------------------------- */

static int seg16_igw(pst_run *run)
{
	const pst_vec *v = dm__pst_type(run, "aws_internet_gateway");
	size_t i;
	int rc;

	for (i = 0; dm__pst_rule_on(run, "SEG-16") && i < v->n; i++) {
		const dm_resource *g = v->v[i];
		if (*dm__pst_str(g->attrs, "vpc_id"))
			continue;
		rc = dm__pst_add(run, "SEG-16", DM_SEV_LOW, g, "detached-igw",
				 json_pack("{s:s}", "internet_gateway", g->id), NULL, 0,
				 "internet gateway %s is attached to no VPC", g->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int need_region_types(pst_run *run)
{
	/* every rule family needs its primary type in every scanned (account, region) */
	static const struct { const char *rule, *type; } req[] = {
		{"SEG-01", "aws_security_group"}, {"SEG-02", "aws_security_group"},
		{"SEG-03", "aws_security_group"}, {"SEG-04", "aws_security_group"},
		{"SEG-05", "aws_security_group"}, {"SEG-06", "aws_security_group"},
		{"SEG-07", "aws_security_group"}, {"SEG-08", "aws_network_acl"},
		{"SEG-09", "aws_network_acl"},    {"SEG-10", "aws_subnet"},
		{"SEG-12", "aws_vpc"},            {"SEG-13", "aws_route_table"},
		{"SEG-14", "aws_vpc_peering_connection"}, {"SEG-15", "aws_security_group"},
		{"SEG-16", "aws_network_acl"}};
	size_t i, k;

	for (i = 0; i < dm_inventory_scope_count(run->inv); i++) {
		const dm_scope *s = dm_inventory_scope_at(run->inv, i);
		if (strcmp(s->provider, "aws") != 0 || strcmp(s->region, "global") == 0 ||
		    strncmp(s->api, "ec2:", 4) != 0)
			continue;
		for (k = 0; k < sizeof(req) / sizeof(req[0]); k++) {
			if (dm__pst_rule_on(run, req[k].rule))
				dm__pst_need(run, req[k].rule, req[k].type, s->account, s->region);
		}
	}
	if (dm_inventory_scope_count(run->inv) == 0 && !dm__pst_type(run, "aws_security_group")->n &&
	    !dm__pst_type(run, "aws_vpc")->n)
		return 0;
	return 0;
}

int dm__pst_net_rules(pst_run *run)
{
	dm_strmap *sg_exposed = NULL;
	int rc;

	if ((rc = net_index(run)) < 0)
		return dm__error(run->ctx, rc, "posture: out of memory indexing the network");
	if (dm__strmap_new(&sg_exposed, 256) < 0)
		return dm__error(run->ctx, DM_ENOMEM, "posture: out of memory");
	need_region_types(run);
	if ((rc = seg11(run, sg_exposed)) < 0 || (rc = sg_rules(run, sg_exposed)) < 0 ||
	    (rc = nacl_rules(run)) < 0 || (rc = seg10(run)) < 0 || (rc = seg12(run)) < 0 ||
	    (rc = seg13_14(run)) < 0 || (rc = seg16_igw(run)) < 0)
		dm__error(run->ctx, rc, "posture: out of memory evaluating network rules");
	dm__strmap_free(sg_exposed);
	return rc;
}
