/*
 * driftmap posture — the segmentation matrix (POSTURE.md §A.5 step 4).
 *
 * Subnets are grouped into tiers by a tag (tier_tag, default `tier`), falling
 * back to the subnet id. For each ordered pair of tiers (and internet -> tier)
 * the allowed (protocol, ports) set is the union, over the SG ingress rules of
 * the ENIs in the destination subnets, of the rules whose source (CIDR overlap,
 * or an SG attached to ENIs in the source subnet) reaches them, where:
 *   - a route exists: same VPC (local), or the source subnet's effective route
 *     table sends the destination CIDR to a pcx-/tgw- target and the
 *     destination's table sends the source CIDR back;
 *   - NACL(source) egress and NACL(destination) ingress allow the first port
 *     of the rule (first match, per family);
 *   - internet -> tier: public address, IGW route and NACL ingress as SEG-11.
 * A declared policy (segmentation_policy) turns every allowed entry that the
 * policy does not allow into a SEG-15 finding.
 */
#include <stdlib.h>
#include <string.h>
#include "posture_internal.h"

typedef struct seg_run {
	pst_run *run;
	dm_posture *p;
	dm_strmap *subnet_tier; /* subnet id -> tier name (interned) */
	dm_strmap *tier_idx;    /* tier name -> index + 1 */
	dm_strmap *vpc_subnets; /* vpc id -> pst_vec of subnets */
	dm_strmap *sg_subnets;  /* sg id -> pst_vec of subnets hosting ENIs with that SG */
	dm_strmap *sinfo;       /* subnet id -> struct sinfo (parsed once) */
	pst_pmap visited;       /* (subnet, sg + address kinds) already expanded */
	pst_pmap atom_subs;     /* SG-sourced atom -> sg_subnets entry (or no_subnets) */
	const pst_vec *vpcs;    /* aws_vpc resources */
	pst_pmap rinfo;         /* subnet resource -> struct rinfo */
	pst_pmap pairs;         /* (from tier, to tier) -> pair index + 1 */
} seg_run;

static const pst_vec no_subnets;

typedef struct sinfo {
	pst_cidr cidr;
	int cidr_ok;
	const char *tier; /* unique pointer per tier name */
	const char *vpc;
	const dm_resource *nacl;
	const struct pst_nacl_c *nacl_c; /* nacl compiled (NULL: none, or out of memory: deny) */
} sinfo;

/* Per subnet resource: its sinfo (by id), its VPC's subnets and its effective route table. */
typedef struct rinfo {
	const sinfo *si;
	const pst_vec *vpc_subs;
	const dm_resource *rtb;
	int has_peer;                 /* rtb has a peering/TGW route */
	const json_t *igw[2];         /* rtb's active IGW route, IPv4 and IPv6 */
	const dm_resource *nacl;      /* by subnet id */
	const struct pst_nacl_c *nacl_c;
} rinfo;

static const rinfo *rinfo_of(seg_run *s, const dm_resource *subnet)
{
	return dm__pst_pmap_get(&s->rinfo, subnet, NULL);
}

static const sinfo *info_of(seg_run *s, const dm_resource *subnet)
{
	const rinfo *ri = rinfo_of(s, subnet);

	return ri ? ri->si : dm__strmap_get(s->sinfo, subnet->id);
}

static const dm_resource *rtb_of(seg_run *s, const dm_resource *subnet)
{
	const rinfo *ri = rinfo_of(s, subnet);
	const char *how;

	return ri ? ri->rtb : dm__pst_subnet_rtb(s->run, subnet, &how);
}

static const char *tier_of(seg_run *s, const dm_resource *subnet)
{
	const sinfo *si = info_of(s, subnet);

	return si ? si->tier : subnet->id;
}

static int add_allowed(seg_run *s, const char *from, const char *to, int proto, int pfrom, int pto)
{
	size_t idx, i;
	pst_pair *pr;
	const char *pn = proto == PST_P_ALL ? "-1" : proto == PST_P_TCP ? "tcp" : proto == PST_P_UDP ? "udp"
			 : proto == PST_P_ICMP ? "icmp" : proto == PST_P_ICMP6 ? "icmpv6" : "other";

	idx = (size_t)(uintptr_t)dm__pst_pmap_get(&s->pairs, from, to);
	if (!idx) {
		if (dm__grow((void **)&s->p->pairs, &s->p->cappairs, s->p->npairs + 1, sizeof(*s->p->pairs)) < 0)
			return DM_ENOMEM;
		pr = &s->p->pairs[s->p->npairs];
		memset(pr, 0, sizeof(*pr));
		pr->pub.from = from;
		pr->pub.to = to;
		s->p->npairs++;
		idx = s->p->npairs;
		if (dm__pst_pmap_put(&s->pairs, from, to, (void *)(uintptr_t)idx) < 0)
			return DM_ENOMEM;
	}
	pr = &s->p->pairs[idx - 1];
	if (proto == PST_P_ALL) {
		pfrom = 0;
		pto = 65535;
	}
	for (i = 0; i < pr->pub.nallowed; i++) {
		dm_posture_port_range *r = &pr->allowed[i];
		if (strcmp(r->protocol, pn) == 0 && r->from <= pfrom && pto <= r->to)
			return 0;
	}
	if (dm__grow((void **)&pr->allowed, &pr->cap, pr->pub.nallowed + 1, sizeof(*pr->allowed)) < 0)
		return DM_ENOMEM;
	pr->allowed[pr->pub.nallowed].protocol = pn;
	pr->allowed[pr->pub.nallowed].from = pfrom;
	pr->allowed[pr->pub.nallowed].to = pto;
	pr->pub.nallowed++;
	pr->pub.allowed = pr->allowed;
	return 0;
}

/* Does rtb route dst (a CIDR) to a peering or transit gateway? */
static int routes_via_peer(const dm_resource *rtb, const pst_cidr *dst)
{
	const json_t *routes, *r;
	size_t i;

	if (!rtb)
		return 0;
	routes = json_object_get(rtb->attrs, "route");
	json_array_foreach(routes, i, r) {
		pst_cidr c;
		const char *d = dm__pst_str(r, dst->family == 6 ? "ipv6_cidr_block" : "cidr_block");
		const char *st = dm__pst_str(r, "state");
		if (*st && strcmp(st, "active") != 0)
			continue;
		if (!*dm__pst_str(r, "vpc_peering_connection_id") && !*dm__pst_str(r, "transit_gateway_id"))
			continue;
		if (dm__pst_cidr_parse(d, &c) == 0 && dm__pst_cidr_contains(&c, dst))
			return 1;
	}
	return 0;
}

static int has_peer_route(const dm_resource *rtb)
{
	const json_t *r;
	size_t i;

	json_array_foreach(rtb ? json_object_get(rtb->attrs, "route") : NULL, i, r) {
		if (*dm__pst_str(r, "vpc_peering_connection_id") || *dm__pst_str(r, "transit_gateway_id"))
			return 1;
	}
	return 0;
}

static int reachable(seg_run *s, const dm_resource *a, const dm_resource *b, int proto, int port)
{
	const sinfo *ia = info_of(s, a), *ib = info_of(s, b);
	const json_t *e;

	if (a == b)
		return 1; /* same subnet: no route table or NACL in the path */
	if (!ia || !ib || !ia->cidr_ok || !ib->cidr_ok)
		return 0;
	if (strcmp(ia->vpc, ib->vpc) != 0) {
		if (!routes_via_peer(rtb_of(s, a), &ib->cidr) || !routes_via_peer(rtb_of(s, b), &ia->cidr))
			return 0;
	}
	if (proto == PST_P_ALL)
		proto = PST_P_TCP;
	if (ia->nacl && !dm__pst_nacl_eval_c(ia->nacl_c, 1, 4, &ib->cidr, proto, port, &e))
		return 0;
	if (ib->nacl && !dm__pst_nacl_eval_c(ib->nacl_c, 0, 4, &ia->cidr, proto, port, &e))
		return 0;
	return 1;
}

typedef struct atom_ctx {
	seg_run *s;
	const dm_resource *eni, *subnet;
	int pub4, pub6;
} atom_ctx;

static int cidr_sources(atom_ctx *x, const pst_atom *a, const dm_resource *dst)
{
	seg_run *s = x->s;
	pst_cidr src;
	const pst_vec *subs;
	size_t i;
	int rc;

	if (!a->cidr_ok || a->cidr.family != 4)
		return 0;
	src = a->cidr;
	/* candidate subnets: the destination's VPC (peered VPCs are reached through their own SG sources) */
	{
		const rinfo *ri = rinfo_of(s, dst);
		subs = ri ? ri->vpc_subs : dm__strmap_get(s->vpc_subnets, dm__pst_str(dst->attrs, "vpc_id"));
	}
	for (i = 0; subs && i < subs->n; i++) {
		const dm_resource *sn = subs->v[i];
		const sinfo *si = info_of(s, sn);
		if (!si || !si->cidr_ok || !dm__pst_cidr_overlaps(&si->cidr, &src))
			continue;
		if (!reachable(s, sn, dst, a->proto, a->from < 0 ? 0 : a->from))
			continue;
		if ((rc = add_allowed(s, tier_of(s, sn), tier_of(s, dst), a->proto, a->from, a->to)) < 0)
			return rc;
	}
	/* other VPCs whose subnets overlap the source and are routed through pcx/tgw */
	{
		const pst_vec *vpcs = s->vpcs;
		const rinfo *ri = rinfo_of(s, dst);
		const dm_resource *rtb = rtb_of(s, dst);
		/* only when the destination routes some prefix through a peering/TGW (rare): no O(n^2)
		   (a route via a peer implies a peer route, so that is the whole test) */
		if (!(ri ? ri->has_peer : has_peer_route(rtb)))
			rtb = NULL;
		for (i = 0; rtb && i < vpcs->n; i++) {
			const dm_resource *v = vpcs->v[i];
			pst_cidr vc;
			size_t k;
			if (strcmp(v->id, dm__pst_str(dst->attrs, "vpc_id")) == 0 ||
			    dm__pst_cidr_parse(dm__pst_str(v->attrs, "cidr_block"), &vc) < 0 ||
			    !dm__pst_cidr_overlaps(&vc, &src) || !routes_via_peer(rtb, &vc))
				continue;
			subs = dm__strmap_get(s->vpc_subnets, v->id);
			for (k = 0; subs && k < subs->n; k++) {
				const dm_resource *sn = subs->v[k];
				pst_cidr c;
				if (dm__pst_cidr_parse(dm__pst_str(sn->attrs, "cidr_block"), &c) < 0 ||
				    !dm__pst_cidr_overlaps(&c, &src) || !reachable(s, sn, dst, a->proto, a->from < 0 ? 0 : a->from))
					continue;
				if ((rc = add_allowed(s, tier_of(s, sn), tier_of(s, dst), a->proto, a->from, a->to)) < 0)
					return rc;
			}
		}
	}
	return 0;
}

static int seg_atom(void *ud, const dm_resource *sg, const pst_atom *a)
{
	atom_ctx *x = ud;
	seg_run *s = x->s;
	size_t i;
	int rc;

	(void)sg;
	if (a->internet) {
		const rinfo *ri = rinfo_of(s, x->subnet);
		const dm_resource *nacl = ri ? ri->nacl : dm__strmap_get(s->run->subnet_nacl, x->subnet->id);
		const json_t *igw = ri ? ri->igw[a->internet == 6] : dm__pst_igw_route(rtb_of(s, x->subnet), a->internet);
		pst_cidr any;
		const json_t *e;
		int proto = a->proto == PST_P_ALL ? PST_P_TCP : a->proto, port = a->from < 0 ? 0 : a->from;
		if (!(a->internet == 4 ? x->pub4 : x->pub6) || !igw)
			return 0;
		memset(&any, 0, sizeof(any)); /* 0.0.0.0/0 or ::/0 */
		any.family = a->internet;
		if (nacl && !(ri ? dm__pst_nacl_eval_c(ri->nacl_c, 0, a->internet, &any, proto, port, &e)
				 : dm__pst_nacl_eval(s->run, nacl, 0, a->internet, &any, proto, port, &e)))
			return 0;
		return add_allowed(s, "internet", tier_of(s, x->subnet), a->proto, a->from, a->to);
	}
	if (a->kind == 'c')
		return cidr_sources(x, a, x->subnet);
	if (a->kind == 'g' || a->kind == 's') {
		/* the atom's source -> subnets, memoised per atom (sg_subnets is complete by now) */
		const pst_vec *subs = dm__pst_pmap_get(&s->atom_subs, a, NULL);
		if (!subs) {
			subs = dm__strmap_get(s->sg_subnets, a->source);
			if (dm__pst_pmap_put(&s->atom_subs, a, NULL, (void *)(subs ? subs : &no_subnets)) < 0)
				return DM_ENOMEM;
		}
		for (i = 0; subs && i < subs->n; i++) {
			const dm_resource *sn = subs->v[i];
			if (!reachable(s, sn, x->subnet, a->proto, a->from < 0 ? 0 : a->from))
				continue;
			if ((rc = add_allowed(s, tier_of(s, sn), tier_of(s, x->subnet), a->proto, a->from, a->to)) < 0)
				return rc;
		}
	}
	return 0;
}

static int vec_put(pst_run *run, dm_strmap *m, const char *key, const void *val, int unique)
{
	pst_vec *v = dm__strmap_get(m, key);
	size_t i;

	if (!v) {
		v = dm__pst_vec_new(run);
		if (!v || dm__strmap_put(m, key, v) < 0)
			return DM_ENOMEM;
	}
	for (i = 0; unique && i < v->n; i++) {
		if (v->v[i] == val)
			return 0;
	}
	return dm__pst_vec_push(v, val);
}

static int cmp_tier(const void *a, const void *b)
{
	return strcmp(((const pst_tier *)a)->name, ((const pst_tier *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_pair(const void *a, const void *b)
{
	const pst_pair *x = a, *y = b;
	int c = strcmp(x->pub.from, y->pub.from);

	return c ? c : strcmp(x->pub.to, y->pub.to);
}

static int cmp_range(const void *a, const void *b)
{
	const dm_posture_port_range *x = a, *y = b;
	int c = strcmp(x->protocol, y->protocol);

	return c ? c : x->from != y->from ? (x->from < y->from ? -1 : 1) : (x->to > y->to) - (x->to < y->to);
}

static int policy_findings(seg_run *s)
{
	const dm_posture_config *c = s->run->cfg;
	size_t i, j, k;
	int rc;

	for (i = 0; i < c->npolicy; i++) {
		const pst_policy_rule *pol = &c->policy[i];
		for (j = 0; j < s->p->npairs; j++) {
			const pst_pair *pr = &s->p->pairs[j];
			if (strcmp(pr->pub.from, pol->from) != 0 || strcmp(pr->pub.to, pol->to) != 0)
				continue;
			for (k = 0; k < pr->pub.nallowed; k++) {
				const dm_posture_port_range *r = &pr->allowed[k];
				int proto = dm__pst_proto_parse(r->protocol), ok = 0;
				size_t m;
				dm_resource fake;
				char id[256], sub[128];
				/* allowed if the policy covers the whole range (protocol-compatible) */
				for (m = 0; m < pol->allow.n && !ok; m++) {
					const pst_port *pp = &pol->allow.v[m];
					ok = (proto == PST_P_TCP || proto == PST_P_UDP) && (!pp->proto || pp->proto == proto) &&
					     pp->from <= r->from && r->to <= pp->to;
				}
				if (ok)
					continue;
				memset(&fake, 0, sizeof(fake));
				snprintf(id, sizeof(id), "%s->%s", pol->from, pol->to);
				snprintf(sub, sizeof(sub), "%s/%d-%d", r->protocol, r->from, r->to);
				fake.provider = "aws";
				fake.type = "driftmap_segmentation_pair";
				fake.id = dm__arena_strdup(s->p->arena, id); /* findings borrow it */
				if (!fake.id)
					return DM_ENOMEM;
				fake.account = "";
				fake.region = "";
				rc = dm__pst_add(s->run, "SEG-15", DM_SEV_HIGH, &fake, sub,
						 json_pack("{s:s,s:s,s:s,s:i,s:i,s:s}", "from", pol->from, "to", pol->to, "protocol",
							   r->protocol, "from_port", r->from, "to_port", r->to, "violates",
							   "segmentation_policy"),
						 NULL, 0, "segmentation policy violation: %s reaches %s on %s/%d-%d", pol->from,
						 pol->to, r->protocol, r->from, r->to);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

int dm__pst_segmentation(pst_run *run)
{
	const pst_vec *subnets = dm__pst_type(run, "aws_subnet"), *enis = dm__pst_type(run, "aws_network_interface");
	const pst_eni *info = NULL;
	seg_run s;
	size_t i, j;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.run = run;
	s.p = run->res;
	s.vpcs = dm__pst_type(run, "aws_vpc");
	if (!subnets->n)
		return 0;
	if (dm__strmap_new(&s.subnet_tier, subnets->n) < 0 || dm__strmap_new(&s.tier_idx, 64) < 0 ||
	    dm__strmap_new(&s.vpc_subnets, 64) < 0 ||
	    dm__strmap_new(&s.sg_subnets, 256) < 0 || dm__strmap_new(&s.sinfo, subnets->n) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	for (i = 0; i < subnets->n; i++) {
		const dm_resource *sn = subnets->v[i];
		const char *t = dm__pst_tag(sn, run->cfg->tier_tag ? run->cfg->tier_tag : "tier");
		size_t idx;
		t = dm__arena_strdup(s.p->arena, t && *t ? t : sn->id);
		if (!t || dm__strmap_put(s.subnet_tier, sn->id, (void *)t) < 0 ||
		    vec_put(run, s.vpc_subnets, dm__pst_str(sn->attrs, "vpc_id"), sn, 0) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
		idx = (size_t)(uintptr_t)dm__strmap_get(s.tier_idx, t);
		if (idx)
			t = s.p->tiers[idx - 1].name; /* one pointer per tier name */
		if (!idx) {
			if (dm__grow((void **)&s.p->tiers, &s.p->captiers, s.p->ntiers + 1, sizeof(*s.p->tiers)) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
			memset(&s.p->tiers[s.p->ntiers], 0, sizeof(pst_tier));
			s.p->tiers[s.p->ntiers].name = t;
			s.p->ntiers++;
			idx = s.p->ntiers;
			if (dm__strmap_put(s.tier_idx, t, (void *)(uintptr_t)idx) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
		}
		{
			sinfo *si = dm__arena_alloc(run->arena, sizeof(*si));
			if (!si) {
				rc = DM_ENOMEM;
				goto done;
			}
			si->cidr_ok = dm__pst_cidr_parse(dm__pst_str(sn->attrs, "cidr_block"), &si->cidr) == 0;
			si->tier = s.p->tiers[idx - 1].name;
			si->vpc = dm__pst_str(sn->attrs, "vpc_id");
			si->nacl = dm__strmap_get(run->subnet_nacl, sn->id);
			si->nacl_c = si->nacl ? dm__pst_nacl_compile(run, si->nacl) : NULL;
			if (dm__strmap_put(s.sinfo, sn->id, si) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
		}
		{
			pst_tier *tr = &s.p->tiers[idx - 1];
			const char *sid = dm__arena_strdup(s.p->arena, sn->id);
			if (!sid || dm__grow((void **)&tr->subnets, &tr->cap, tr->nsubnets + 1, sizeof(*tr->subnets)) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
			tr->subnets[tr->nsubnets++] = sid;
		}
	}
	/* per subnet resource: what the matrix asks about it for every ENI and source */
	for (i = 0; i < subnets->n; i++) {
		const dm_resource *sn = subnets->v[i];
		rinfo *ri = dm__arena_alloc(run->arena, sizeof(*ri));
		const char *how;
		if (!ri) {
			rc = DM_ENOMEM;
			goto done;
		}
		ri->si = dm__strmap_get(s.sinfo, sn->id);
		ri->vpc_subs = dm__strmap_get(s.vpc_subnets, dm__pst_str(sn->attrs, "vpc_id"));
		ri->rtb = dm__pst_subnet_rtb(run, sn, &how);
		ri->has_peer = has_peer_route(ri->rtb);
		ri->igw[0] = dm__pst_igw_route(ri->rtb, 4);
		ri->igw[1] = dm__pst_igw_route(ri->rtb, 6);
		ri->nacl = dm__strmap_get(run->subnet_nacl, sn->id);
		ri->nacl_c = ri->nacl ? dm__pst_nacl_compile(run, ri->nacl) : NULL;
		if (dm__pst_pmap_put(&s.rinfo, sn, NULL, ri) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
	}
	if (enis->n && !(info = dm__pst_enis(run))) {
		rc = DM_ENOMEM;
		goto done;
	}
	for (i = 0; i < enis->n; i++) {
		const dm_resource *eni = enis->v[i];
		const dm_resource *sn = info[i].subnet;
		const json_t *sgs = json_object_get(eni->attrs, "security_groups"), *g;
		if (!sn)
			continue;
		json_array_foreach(sgs, j, g) {
			if (json_is_string(g) && (rc = vec_put(run, s.sg_subnets, json_string_value(g), sn, 1)) < 0)
				goto done;
		}
	}
	for (i = 0; i < enis->n; i++) {
		const dm_resource *eni = enis->v[i];
		atom_ctx x;
		const json_t *as;
		memset(&x, 0, sizeof(x));
		x.s = &s;
		x.eni = eni;
		x.subnet = info[i].subnet;
		if (!x.subnet)
			continue;
		as = dm__pst_block(eni->attrs, "association");
		x.pub4 = (as && *dm__pst_str(as, "public_ip")) || *dm__pst_str(eni->attrs, "public_ip");
		x.pub6 = json_array_size(json_object_get(eni->attrs, "ipv6_addresses")) > 0;
		for (j = 0; j < info[i].nsgs; j++) {
			const dm_resource *sg = info[i].sgs[j];
			/* ENIs of one subnet with the same SG and address kinds add nothing new (subnet and
			   SG resources are the first of their id, so pointers stand for ids) */
			const void *sgk = (const char *)sg + (x.pub4 ? 2 : 0) + (x.pub6 ? 1 : 0);
			if (dm__pst_pmap_get(&s.visited, x.subnet, sgk))
				continue;
			if (dm__pst_pmap_put(&s.visited, x.subnet, sgk, (void *)sg) < 0) {
				rc = DM_ENOMEM;
				goto done;
			}
			if ((rc = dm__pst_sg_atoms(run, sg, 0, seg_atom, &x)) < 0)
				goto done;
		}
	}
	/* deterministic order */
	for (i = 0; i < s.p->ntiers; i++)
		qsort(s.p->tiers[i].subnets, s.p->tiers[i].nsubnets, sizeof(char *), cmp_str);
	if (s.p->ntiers > 1)
		qsort(s.p->tiers, s.p->ntiers, sizeof(*s.p->tiers), cmp_tier);
	for (i = 0; i < s.p->npairs; i++) {
		if (s.p->pairs[i].pub.nallowed > 1)
			qsort(s.p->pairs[i].allowed, s.p->pairs[i].pub.nallowed, sizeof(dm_posture_port_range), cmp_range);
		s.p->pairs[i].pub.allowed = s.p->pairs[i].allowed;
	}
	if (s.p->npairs > 1)
		qsort(s.p->pairs, s.p->npairs, sizeof(*s.p->pairs), cmp_pair);
	if (dm__pst_rule_on(run, "SEG-15"))
		rc = policy_findings(&s);
done:
	dm__strmap_free(s.subnet_tier);
	dm__strmap_free(s.tier_idx);
	dm__strmap_free(s.vpc_subnets);
	dm__strmap_free(s.sg_subnets);
	dm__strmap_free(s.sinfo);
	dm__pst_pmap_free(&s.visited);
	dm__pst_pmap_free(&s.atom_subs);
	dm__pst_pmap_free(&s.rinfo);
	dm__pst_pmap_free(&s.pairs);
	if (rc < 0)
		dm__error(run->ctx, rc, "posture: out of memory computing the segmentation matrix");
	return rc;
}
