/*
 * driftmap posture — the engine: indexes over the live inventory, findings,
 * not_evaluated, mutes, the framework filter and the result accessors.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include "posture_internal.h"

/* ---- small containers --------------------------------------------------- */

int dm__pst_ports_add(pst_ports *p, int from, int to, int proto)
{
	if (dm__grow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v)) < 0)
		return DM_ENOMEM;
	p->v[p->n].from = from;
	p->v[p->n].to = to;
	p->v[p->n].proto = proto;
	p->n++;
	return 0;
}

void dm__pst_ports_free(pst_ports *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int dm__pst_strs_add(pst_strs *s, const char *v)
{
	char *d = dm__strdup(v);

	if (!d || dm__grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v)) < 0) {
		free(d);
		return DM_ENOMEM;
	}
	s->v[s->n++] = d;
	return 0;
}

void dm__pst_strs_free(pst_strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int dm__pst_strs_has(const pst_strs *s, const char *v)
{
	size_t i;

	for (i = 0; v && i < s->n; i++) {
		if (strcmp(s->v[i], v) == 0)
			return 1;
	}
	return 0;
}

int dm__pst_proto_parse(const char *s)
{
	long long n;

	if (!s || !*s)
		return -2;
	if (strcmp(s, "-1") == 0 || strcasecmp(s, "all") == 0)
		return PST_P_ALL;
	if (strcasecmp(s, "tcp") == 0)
		return PST_P_TCP;
	if (strcasecmp(s, "udp") == 0)
		return PST_P_UDP;
	if (strcasecmp(s, "icmp") == 0)
		return PST_P_ICMP;
	if (strcasecmp(s, "icmpv6") == 0)
		return PST_P_ICMP6;
	if (dm__parse_ll(s, &n) == 0 && n >= 0 && n <= 255)
		return (int)n;
	return -2;
}

int dm__pst_port_parse(const char *s, pst_port *out)
{
	char buf[64];
	const char *p = s, *dash;
	long long a, b;
	size_t n;

	out->proto = 0;
	if (strncasecmp(p, "tcp/", 4) == 0) {
		out->proto = PST_P_TCP;
		p += 4;
	} else if (strncasecmp(p, "udp/", 4) == 0) {
		out->proto = PST_P_UDP;
		p += 4;
	}
	if (strcasecmp(p, "all") == 0 || strcmp(p, "*") == 0) {
		out->from = 0;
		out->to = 65535;
		return 0;
	}
	dash = strchr(p, '-');
	n = dash ? (size_t)(dash - p) : strlen(p);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (dm__parse_ll(buf, &a) < 0)
		return -1;
	b = a;
	if (dash && dm__parse_ll(dash + 1, &b) < 0)
		return -1;
	if (a < 0 || b > 65535 || a > b)
		return -1;
	out->from = (int)a;
	out->to = (int)b;
	return 0;
}

static int ports_from_list(pst_ports *p, const char *const *list, size_t n)
{
	size_t i;
	pst_port x;

	for (i = 0; i < n; i++) {
		if (dm__pst_port_parse(list[i], &x) < 0 || dm__pst_ports_add(p, x.from, x.to, x.proto) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

int dm__pst_config_defaults(dm_posture_config *c)
{
	static const char *const admin[] = {"22", "3389"};
	static const char *const data[] = {"3306", "5432", "1433-1434", "1521", "2483-2484", "27017-27018",
					   "6379", "9200", "9300", "5601", "11211", "7199", "9160", "8888",
					   "9092", "2049", "445", "udp/53"};
	static const char *const risky[] = {"25", "110", "135", "143", "445", "3000", "4333", "5000",
					    "5500", "8080", "8088", "20-21", "23"};
	static const char *const allowed[] = {"tcp/80", "tcp/443"};
	int rc = 0;

	rc |= ports_from_list(&c->admin_ports, admin, 2);
	rc |= ports_from_list(&c->data_ports, data, sizeof(data) / sizeof(data[0]));
	rc |= ports_from_list(&c->high_risk_ports, risky, sizeof(risky) / sizeof(risky[0]));
	rc |= ports_from_list(&c->allowed_ports, allowed, 2);
	rc |= dm__pst_strs_add(&c->eks_log_types, "audit");
	c->stale_role_days = 90;
	c->unused_credential_days = 45;
	c->key_rotation_days = 90;
	c->eks_warning_days = 90;
	c->tier_tag = dm__strdup("tier");
	if (!c->tier_tag)
		rc = DM_ENOMEM;
	return rc ? DM_ENOMEM : 0;
}

int dm_posture_config_new(dm_posture_config **out)
{
	dm_posture_config *c = dm__calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return DM_ENOMEM;
	if (dm__pst_config_defaults(c) < 0) {
		dm_posture_config_free(c);
		return DM_ENOMEM;
	}
	*out = c;
	return 0;
}

void dm_posture_config_free(dm_posture_config *c)
{
	size_t i;

	if (!c)
		return;
	dm__pst_ports_free(&c->admin_ports);
	dm__pst_ports_free(&c->data_ports);
	dm__pst_ports_free(&c->high_risk_ports);
	dm__pst_ports_free(&c->allowed_ports);
	dm__pst_strs_free(&c->trusted_accounts);
	dm__pst_strs_free(&c->trusted_cidrs);
	dm__pst_strs_free(&c->eks_log_types);
	dm__pst_strs_free(&c->enabled_rules);
	dm__pst_strs_free(&c->disabled_rules);
	free(c->eks_oldest_supported);
	free(c->tier_tag);
	for (i = 0; i < c->npolicy; i++) {
		free(c->policy[i].from);
		free(c->policy[i].to);
		dm__pst_ports_free(&c->policy[i].allow);
	}
	free(c->policy);
	for (i = 0; i < c->nmutes; i++) {
		pst_mute *m = &c->mutes[i];
		free(m->rule);
		free(m->account);
		free(m->region);
		free(m->resource);
		dm__pst_strs_free(&m->tags);
		free(m->reason);
		free(m->expires);
	}
	free(c->mutes);
	free(c->framework);
	free(c);
}

static const char *const frameworks[] = {"cis-aws-3.0", "cis-aws-4.0", "cis-aws-5.0", "cis-aws-6.0",
					 "aws-fsbp"};

int dm_posture_config_set_framework(dm_posture_config *cfg, dm_ctx *ctx, const char *fw)
{
	size_t i;
	char *d;

	if (!fw) {
		free(cfg->framework);
		cfg->framework = NULL;
		return 0;
	}
	for (i = 0; i < sizeof(frameworks) / sizeof(frameworks[0]); i++) {
		if (strcmp(frameworks[i], fw) == 0)
			break;
	}
	if (i == sizeof(frameworks) / sizeof(frameworks[0]))
		return dm__error(ctx, DM_EINVAL,
				 "unknown framework '%s' (known: cis-aws-3.0, cis-aws-4.0, cis-aws-5.0, "
				 "cis-aws-6.0, aws-fsbp)", fw);
	d = dm__strdup(fw);
	if (!d)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	free(cfg->framework);
	cfg->framework = d;
	return 0;
}

void dm_posture_config_set_now(dm_posture_config *cfg, long long t)
{
	cfg->now = t;
}

/* ---- CIDRs ------------------------------------------------------------------ */

int dm__pst_cidr_parse(const char *s, pst_cidr *out)
{
	char buf[64];
	const char *slash;
	long long len;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out->a) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, buf, out->a) == 1)
		out->family = 6;
	else
		return -1;
	len = out->family == 4 ? 32 : 128;
	if (slash && (dm__parse_ll(slash + 1, &len) < 0 || len < 0 || len > (out->family == 4 ? 32 : 128)))
		return -1;
	out->len = (int)len;
	return 0;
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rem = bits % 8;

	if (full && memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rem) {
		unsigned char m = (unsigned char)(0xff << (8 - rem));
		if ((a[full] & m) != (b[full] & m))
			return 0;
	}
	return 1;
}

int dm__pst_cidr_contains(const pst_cidr *a, const pst_cidr *b)
{
	return a->family && a->family == b->family && a->len <= b->len && prefix_eq(a->a, b->a, a->len);
}

int dm__pst_cidr_overlaps(const pst_cidr *a, const pst_cidr *b)
{
	return dm__pst_cidr_contains(a, b) || dm__pst_cidr_contains(b, a);
}

int dm__pst_cidr_is_internet(const char *s)
{
	pst_cidr c;

	return s && dm__pst_cidr_parse(s, &c) == 0 && c.len == 0 && strchr(s, '/') ? c.family : 0;
}

/* ---- attributes ----------------------------------------------------------------- */

const char *dm__pst_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

int dm__pst_bool(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (json_is_true(v))
		return 1;
	return json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0;
}

long long dm__pst_int(const json_t *o, const char *k, long long dflt)
{
	const json_t *v = json_object_get(o, k);
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

const json_t *dm__pst_block(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_is_object(v) ? v : NULL;
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

long long dm__pst_time_str(const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	long long t;
	const char *p;

	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d:%2d", &h, &mi, &se) != 3)
			return -1;
		p += 9;
		while (*p == '.' || (*p >= '0' && *p <= '9'))
			p++;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = (p[4] - '0') * 10 + (p[5] - '0');
		t += (*p == '+' ? -1 : 1) * (oh * 3600 + om * 60);
	}
	return t;
}

long long dm__pst_time(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v) >= -9223372036854775808.0 && json_real_value(v) < 9223372036854775808.0
			       ? (long long)json_real_value(v) : -1; /* outside, the cast is undefined */
	if (json_is_string(v))
		return dm__pst_time_str(json_string_value(v));
	return -1;
}

const char *dm__pst_tag(const dm_resource *r, const char *key)
{
	const json_t *tags = json_object_get(r->attrs, "tags");
	const json_t *v;

	if (!json_is_object(tags))
		tags = json_object_get(r->attrs, "tags_all");
	v = json_object_get(tags, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- pointer-pair map ------------------------------------------------------------ */

static size_t pmap_hash(const void *k1, const void *k2)
{
	uint64_t h = (uint64_t)(uintptr_t)k1 * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)(uintptr_t)k2 * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return (size_t)h;
}

static pst_pmap_slot *pmap_find(pst_pmap_slot *slots, size_t cap, const void *k1, const void *k2)
{
	size_t i = pmap_hash(k1, k2) & (cap - 1);

	while (slots[i].k1 && (slots[i].k1 != k1 || slots[i].k2 != k2))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void *dm__pst_pmap_get(const pst_pmap *m, const void *k1, const void *k2)
{
	return m->cap && k1 ? pmap_find(m->slots, m->cap, k1, k2)->v : NULL;
}

int dm__pst_pmap_put(pst_pmap *m, const void *k1, const void *k2, void *v)
{
	pst_pmap_slot *sl;

	if (!k1)
		return DM_EINVAL;
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64, i;
		pst_pmap_slot *ns = dm__calloc(ncap, sizeof(*ns));
		if (!ns)
			return DM_ENOMEM;
		for (i = 0; i < m->cap; i++) {
			if (m->slots[i].k1)
				*pmap_find(ns, ncap, m->slots[i].k1, m->slots[i].k2) = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	sl = pmap_find(m->slots, m->cap, k1, k2);
	if (!sl->k1) {
		sl->k1 = k1;
		sl->k2 = k2;
		m->n++;
	}
	sl->v = v;
	return 0;
}

void dm__pst_pmap_free(pst_pmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* ---- the run: indexes ----------------------------------------------------------- */

pst_vec *dm__pst_vec_new(pst_run *run)
{
	pst_vec *v = dm__calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (dm__pst_vec_push(&run->vecs, v) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

int dm__pst_vec_push(pst_vec *v, const void *p)
{
	if (v->n == v->cap &&
	    dm__grow((void **)&v->v, &v->cap, v->n + 1 < 16 ? 16 : v->n + 1, sizeof(*v->v)) < 0)
		return DM_ENOMEM;
	v->v[v->n++] = p;
	return 0;
}

const char *dm__pst_intern(pst_run *run, const char *s)
{
	return dm__arena_strdup(run->arena, s);
}

json_t *dm__pst_jstr(pst_run *run, const char *s)
{
	json_t *j;

	if (!s)
		return NULL;
	j = dm__strmap_get(run->jstr_cache, s);
	if (j)
		return json_incref(j);
	j = json_string(s);
	/* keyed by the JSON string's own buffer, alive while the cache holds it */
	if (!j || dm__strmap_put(run->jstr_cache, json_string_value(j), j) < 0)
		return j;
	return json_incref(j);
}

json_t *dm__pst_jint(pst_run *run, long long v)
{
	json_t **slot;

	if (v < 0 || v > 65535)
		return json_integer(v);
	if (!run->jint_cache && !(run->jint_cache = dm__calloc(65536, sizeof(json_t *))))
		return json_integer(v);
	slot = &run->jint_cache[v];
	if (!*slot && !(*slot = json_integer(v)))
		return NULL;
	return json_incref(*slot);
}

static const pst_vec empty_vec;

const pst_vec *dm__pst_type(pst_run *run, const char *type)
{
	const pst_vec *v = dm__strmap_get(run->bytype, type);

	return v ? v : &empty_vec;
}

const dm_resource *dm__pst_get(pst_run *run, const char *type, const char *id)
{
	char stack[256];
	size_t lt, li;

	if (!id || !*id)
		return NULL;
	lt = strlen(type);
	li = strlen(id);
	if (lt + li + 2 > sizeof(stack))
		return NULL;
	memcpy(stack, type, lt);
	stack[lt] = '\x1f';
	memcpy(stack + lt + 1, id, li + 1);
	return dm__strmap_get(run->byid, stack);
}

int dm__pst_index(pst_run *run)
{
	size_t i, n = dm_inventory_count(run->inv);
	const char *last_type = NULL;
	pst_vec *last_v = NULL;

	for (i = 0; i < n; i++) {
		const dm_resource *r = dm_inventory_at(run->inv, i);
		pst_vec *v;
		if (!r->type || !r->id || (r->flags & DM_RES_DATA))
			continue;
		/* resources come in runs of one type: skip the lookup while it repeats */
		v = last_type && (r->type == last_type || strcmp(r->type, last_type) == 0)
			    ? last_v : dm__strmap_get(run->bytype, r->type);
		if (!v) {
			const char *t = dm__pst_intern(run, r->type);
			v = dm__pst_vec_new(run);
			if (!v || !t || dm__strmap_put(run->bytype, t, v) < 0)
				return DM_ENOMEM;
		}
		last_type = r->type;
		last_v = v;
		if (dm__pst_vec_push(v, r) < 0)
			return DM_ENOMEM;
	}
	/* "type\x1fid" -> resource, first resource wins: put() replaces, so walk backwards */
	for (i = n; i-- > 0;) {
		const dm_resource *r = dm_inventory_at(run->inv, i);
		size_t lt, li;
		char *kk;
		if (!r->type || !r->id || (r->flags & DM_RES_DATA))
			continue;
		lt = strlen(r->type);
		li = strlen(r->id);
		kk = dm__arena_alloc(run->arena, lt + li + 2);
		if (!kk)
			return DM_ENOMEM;
		memcpy(kk, r->type, lt);
		kk[lt] = '\x1f';
		memcpy(kk + lt + 1, r->id, li + 1);
		if (dm__strmap_put(run->byid, kk, (void *)r) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

const pst_eni *dm__pst_enis(pst_run *run)
{
	const pst_vec *v = dm__pst_type(run, "aws_network_interface");
	size_t i, j;

	if (run->eni_info || !v->n)
		return run->eni_info;
	run->eni_info = dm__arena_alloc(run->arena, v->n * sizeof(*run->eni_info));
	for (i = 0; run->eni_info && i < v->n; i++) {
		const dm_resource *eni = v->v[i];
		const json_t *sgs = json_object_get(eni->attrs, "security_groups"), *g;
		pst_eni *e = &run->eni_info[i];
		size_t nsg = json_array_size(sgs);
		e->subnet = dm__pst_get(run, "aws_subnet", dm__pst_str(eni->attrs, "subnet_id"));
		e->sgs = nsg ? dm__arena_alloc(run->arena, nsg * sizeof(*e->sgs)) : NULL;
		if (nsg && !e->sgs) {
			run->eni_info = NULL; /* the arena keeps the partial array */
			break;
		}
		json_array_foreach(sgs, j, g) {
			const dm_resource *sg = dm__pst_get(run, "aws_security_group", json_string_value(g));
			if (sg)
				e->sgs[e->nsgs++] = sg;
		}
	}
	return run->eni_info;
}

int dm__pst_rule_on(pst_run *run, const char *rule)
{
	const dm_posture_config *c = run->cfg;

	if (c->enabled_rules.n && !dm__pst_strs_has(&c->enabled_rules, rule))
		return 0;
	return !dm__pst_strs_has(&c->disabled_rules, rule);
}

int dm__pst_complete(pst_run *run, const char *type, const char *account, const char *region)
{
	char key[512];
	void *cached;
	int rc;

	if (dm_inventory_scope_count(run->inv) == 0)
		return dm__pst_type(run, type)->n ? 1 : -1;
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", type, account ? account : "", region ? region : "");
	cached = dm__strmap_get(run->complete, key);
	if (cached)
		return (int)((intptr_t)cached - 2);
	rc = dm_inventory_type_complete(run->inv, "aws", account, region, type);
	{
		const char *k = dm__pst_intern(run, key);
		if (k)
			(void)dm__strmap_put(run->complete, k, (void *)(intptr_t)(rc + 2));
	}
	return rc;
}

int dm__pst_not_eval(pst_run *run, const char *rule, const char *scope, const char *fmt, ...)
{
	dm_posture *p = run->res;
	dm_buf reason = DM_BUF_INIT, key = DM_BUF_INIT;
	va_list ap;
	char tmp[1024];
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (dm__buf_printf(&key, "%s\x1f%s\x1f%s", rule, scope, tmp) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	if (dm__strmap_get(p->ne_seen, key.ptr))
		goto done;
	if (dm__grow((void **)&p->ne, &p->capne, p->nne + 1, sizeof(*p->ne)) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	p->ne[p->nne].rule = dm__arena_strdup(p->arena, rule);
	p->ne[p->nne].scope = dm__arena_strdup(p->arena, scope);
	p->ne[p->nne].reason = dm__arena_strdup(p->arena, tmp);
	{
		const char *k = dm__arena_strdup(p->arena, key.ptr);
		if (!k || !p->ne[p->nne].reason || dm__strmap_put(p->ne_seen, k, (void *)k) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
	}
	p->nne++;
done:
	dm__buf_free(&reason);
	dm__buf_free(&key);
	return rc;
}

int dm__pst_need(pst_run *run, const char *rule, const char *type, const char *account,
		 const char *region)
{
	char scope[256];
	int c = dm__pst_complete(run, type, account, region);

	if (c == 1)
		return 1;
	snprintf(scope, sizeof(scope), "aws/%s/%s", account ? account : "*", region ? region : "*");
	if (c == 0)
		dm__pst_not_eval(run, rule, scope, "%s enumeration incomplete (a scope failed)", type);
	else
		dm__pst_not_eval(run, rule, scope, "%s not collected", type);
	return 0;
}

/*
 * The findings array: big blocks (huge-page backed from 2 MiB, pages touched
 * only as written), first sized for one finding per resource so that large
 * runs rarely copy it, then doubled.
 */
static int grow_findings(dm_posture *p)
{
	size_t ncap, hint = dm_inventory_count(p->inv) + 256;
	dm_posture_finding *nf;

	if (p->nf < p->capf)
		return 0;
	ncap = p->capf ? p->capf * 2 : hint;
	if (ncap > SIZE_MAX / 2 / sizeof(*p->f))
		return DM_ENOMEM;
	nf = dm__big_alloc(ncap * sizeof(*p->f));
	if (!nf)
		return DM_ENOMEM;
	if (p->nf)
		memcpy(nf, p->f, p->nf * sizeof(*p->f));
	dm__big_free(p->f, p->capf * sizeof(*p->f));
	p->f = nf;
	p->capf = ncap;
	return 0;
}

/* sha256 hex of the fingerprint key, through one digest context per run (no fetch per finding) */
static void fingerprint_hex(pst_run *run, const char *key, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!run->md_ctx || !EVP_DigestInit_ex(run->md_ctx, run->md, NULL) ||
	    !EVP_DigestUpdate(run->md_ctx, key, len) || !EVP_DigestFinal_ex(run->md_ctx, md, &mdlen) ||
	    mdlen < 32) {
		dm__sha256_hex(key, len, hex);
		return;
	}
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

int dm__pst_add(pst_run *run, const char *rule, dm_severity sev, const dm_resource *r,
		const char *subkey, json_t *evidence, const dm_posture_compliance *comp, size_t ncomp,
		const char *fmt, ...)
{
	dm_posture *p = run->res;
	const dm_posture_rule *rd = dm_posture_rule_find(rule);
	dm_posture_finding *f;
	dm_buf fp = DM_BUF_INIT;
	char hex[65], msg[1024], stack[1024];
	const char *fpkey = stack;
	size_t fplen;
	int fpn;
	va_list ap;
	int rc = 0;

	if (!rd) {
		json_decref(evidence);
		return dm__error(run->ctx, DM_ERROR, "posture: unknown rule %s", rule);
	}
	if (!subkey)
		subkey = "";
	fpn = snprintf(stack, sizeof(stack), "%s\x1f%s\x1f%s\x1f%s\x1f%s", rule, r->account ? r->account : "",
		       r->region ? r->region : "", r->id, subkey);
	fplen = fpn > 0 ? (size_t)fpn : 0;
	if (fpn < 0 || (size_t)fpn >= sizeof(stack)) { /* long ids: build it on the heap */
		if (dm__buf_printf(&fp, "%s\x1f%s\x1f%s\x1f%s\x1f%s", rule, r->account ? r->account : "",
				   r->region ? r->region : "", r->id, subkey) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
		fpkey = fp.ptr;
		fplen = fp.len;
	}
	fingerprint_hex(run, fpkey, fplen, hex);
	hex[32] = '\0';
	if (dm__strmap_get(p->fp_seen, hex)) /* same finding twice (two paths): keep the first */
		goto done;
	if (grow_findings(p) < 0) {
		rc = DM_ENOMEM;
		goto done;
	}
	f = &p->f[p->nf];
	memset(f, 0, sizeof(*f));
	memcpy(f->fingerprint, hex, 33);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->rule = rd->id;
	f->area = rd->area;
	f->severity = sev;
	f->title = rd->title;
	/* borrowed from the inventory, which the result borrows (segmentation passes interned strings) */
	f->type = r->type;
	f->resource_id = r->id;
	f->account = r->account ? r->account : "";
	f->region = r->region ? r->region : "";
	f->subkey = dm__arena_strdup(p->arena, subkey);
	f->message = dm__arena_strdup(p->arena, msg);
	f->remediation = rd->remediation;
	f->compliance = comp ? comp : rd->compliance;
	f->ncompliance = comp ? ncomp : rd->ncompliance;
	f->evidence = evidence ? evidence : json_object();
	evidence = NULL;
	if (!f->type || !f->resource_id || !f->account || !f->region || !f->subkey || !f->message ||
	    !f->evidence) {
		json_decref(f->evidence);
		rc = DM_ENOMEM;
		goto done;
	}
	{ /* the key must outlive reallocations of p->f: intern it */
		const char *k = dm__arena_strdup(p->arena, f->fingerprint);
		if (!k || dm__strmap_put(p->fp_seen, k, (void *)k) < 0) {
			json_decref(f->evidence);
			rc = DM_ENOMEM;
			goto done;
		}
	}
	p->nf++;
done:
	json_decref(evidence);
	dm__buf_free(&fp);
	if (rc == DM_ENOMEM)
		dm__error(run->ctx, rc, "posture: out of memory adding a %s finding", rule);
	return rc;
}

/* ---- mutes --------------------------------------------------------------------- */

static int glob_or_eq(const char *pat, const char *s)
{
	if (!pat)
		return 1;
	if (!s)
		return 0;
	if (dm__has_glob(pat))
		return dm__glob_match(pat, s);
	return strcmp(pat, s) == 0;
}

static int mute_matches(const pst_mute *m, const dm_posture_finding *f, const dm_resource *r)
{
	size_t i;

	if (!glob_or_eq(m->rule, f->rule) || !glob_or_eq(m->account, f->account) ||
	    !glob_or_eq(m->region, f->region))
		return 0;
	if (m->resource) {
		const char *arn = r ? dm__pst_str(r->attrs, "arn") : "";
		if (!glob_or_eq(m->resource, f->resource_id) && !(*arn && glob_or_eq(m->resource, arn)))
			return 0;
	}
	for (i = 0; i < m->tags.n; i++) {
		const char *eq = strchr(m->tags.v[i], '=');
		char key[256];
		const char *v;
		size_t kl = eq ? (size_t)(eq - m->tags.v[i]) : strlen(m->tags.v[i]);
		if (!r || kl >= sizeof(key))
			return 0;
		memcpy(key, m->tags.v[i], kl);
		key[kl] = '\0';
		v = dm__pst_tag(r, key);
		if (!v || (eq && !glob_or_eq(eq + 1, v)))
			return 0;
	}
	return 1;
}

static int apply_mutes(pst_run *run)
{
	dm_posture *p = run->res;
	const dm_posture_config *c = run->cfg;
	size_t i, j;

	if (!c->nmutes)
		return 0;
	p->mutes = dm__calloc(c->nmutes, sizeof(*p->mutes));
	if (!p->mutes)
		return DM_ENOMEM;
	p->nmutes = c->nmutes;
	for (j = 0; j < c->nmutes; j++) {
		p->mutes[j].reason = c->mutes[j].reason;
		p->mutes[j].expires = c->mutes[j].expires;
		p->mutes[j].expired = c->mutes[j].expires_at && c->mutes[j].expires_at < run->now;
	}
	for (i = 0; i < p->nf; i++) {
		dm_posture_finding *f = &p->f[i];
		const dm_resource *r = dm__pst_get(run, f->type, f->resource_id);
		for (j = 0; j < c->nmutes; j++) {
			if (p->mutes[j].expired || !mute_matches(&c->mutes[j], f, r))
				continue;
			p->mutes[j].matched++;
			if (!f->muted) {
				f->muted = 1;
				f->mute_reason = c->mutes[j].reason ? c->mutes[j].reason : "";
			}
		}
	}
	return 0;
}

/* ---- framework filter and ordering ------------------------------------------------ */

static int in_framework(const dm_posture_finding *f, const char *fw)
{
	size_t i;

	for (i = 0; i < f->ncompliance; i++) {
		if (strcmp(f->compliance[i].framework, fw) == 0)
			return 1;
	}
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const dm_posture_finding *x = a, *y = b;
	int c;

	/* the same pointer is the same string (rule ids, shared account/region strings) */
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->rule != y->rule && (c = strcmp(x->rule, y->rule)) != 0)
		return c;
	if (x->account != y->account && (c = strcmp(x->account, y->account)) != 0)
		return c;
	if (x->region != y->region && (c = strcmp(x->region, y->region)) != 0)
		return c;
	if (x->resource_id != y->resource_id && (c = strcmp(x->resource_id, y->resource_id)) != 0)
		return c;
	return x->subkey == y->subkey ? 0 : strcmp(x->subkey, y->subkey);
}

static int cmp_ne(const void *a, const void *b)
{
	const dm_posture_not_evaluated *x = a, *y = b;
	int c;

	if ((c = strcmp(x->rule, y->rule)) != 0)
		return c;
	if ((c = strcmp(x->scope, y->scope)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

static void filter_framework(pst_run *run)
{
	dm_posture *p = run->res;
	size_t i, j, k = 0;

	if (!run->cfg->framework)
		return;
	for (i = 0; i < p->nf; i++) {
		if (in_framework(&p->f[i], run->cfg->framework))
			p->f[k++] = p->f[i];
		else
			json_decref(p->f[i].evidence);
	}
	p->nf = k;
	k = 0;
	for (i = 0; i < p->nne; i++) {
		const dm_posture_rule *r = dm_posture_rule_find(p->ne[i].rule);
		int keep = 0;
		for (j = 0; r && j < r->ncompliance; j++)
			keep |= strcmp(r->compliance[j].framework, run->cfg->framework) == 0;
		if (keep)
			p->ne[k++] = p->ne[i];
	}
	p->nne = k;
}

/* ---- run ------------------------------------------------------------------------ */

/* A rule whose primary input type was never collected anywhere says so (never passes silently). */
static int absent_inputs(pst_run *run)
{
	size_t i;

	for (i = 0; i < dm_posture_rule_count(); i++) {
		const dm_posture_rule *r = dm_posture_rule_at(i);
		char type[64];
		size_t n = strcspn(r->inputs, ",");
		if (!dm__pst_rule_on(run, r->id) || n >= sizeof(type))
			continue;
		memcpy(type, r->inputs, n);
		type[n] = '\0';
		if (dm__pst_type(run, type)->n ||
		    dm_inventory_type_complete(run->inv, "aws", NULL, NULL, type) != -1)
			continue;
		if (dm__pst_not_eval(run, r->id, "aws/*/*", "%s not collected", type) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

static void run_free(pst_run *run)
{
	size_t i;

	for (i = 0; i < run->vecs.n; i++) {
		pst_vec *v = (pst_vec *)run->vecs.v[i];
		free(v->v);
		free(v);
	}
	free(run->vecs.v);
	dm__strmap_free(run->bytype);
	dm__strmap_free(run->byid);
	dm__strmap_free(run->subnet_nacl);
	dm__strmap_free(run->subnet_rtb);
	dm__strmap_free(run->vpc_main_rtb);
	dm__strmap_free(run->sg_enis);
	dm__strmap_free(run->sg_refd);
	dm__strmap_free(run->subnet_enis);
	dm__strmap_free(run->role_priv);
	dm__strmap_free(run->profile_role);
	dm__strmap_free(run->complete);
	dm__strmap_free(run->atom_cache);
	dm__strmap_free(run->nacl_cache);
	free(run->atom_tmp);
	dm__pst_pmap_free(&run->atom_by_sg);
	{
		size_t it = 0;
		void *v;
		while (dm__strmap_next(run->jstr_cache, &it, NULL, &v))
			json_decref(v);
		dm__strmap_free(run->jstr_cache);
		for (it = 0; run->jint_cache && it < 65536; it++)
			json_decref(run->jint_cache[it]);
		free(run->jint_cache);
	}
	dm__pst_doc_cache_free(run);
	EVP_MD_CTX_free(run->md_ctx);
	EVP_MD_free(run->md);
	dm__arena_free(run->arena);
}

int dm_posture_run(dm_posture **out, dm_ctx *ctx, const dm_inventory *live,
		   const dm_posture_config *cfg)
{
	pst_run run;
	dm_posture *p = NULL;
	dm_posture_config *defaults = NULL;
	double t[5];
	long flt[5];
	size_t n;
	int rc = 0;

	*out = NULL;
	memset(&run, 0, sizeof(run));
	if (!live)
		return dm__error(ctx, DM_EINVAL, "posture: no live inventory");
	if (dm_inventory_materialize(live) < 0)
		return dm__error(ctx, DM_ENOMEM, "posture: out of memory materialising attributes");
	if (!cfg) {
		if (dm_posture_config_new(&defaults) < 0)
			return dm__error(ctx, DM_ENOMEM, "posture: out of memory");
		cfg = defaults;
	}
	n = dm_inventory_count(live);
	p = dm__calloc(1, sizeof(*p));
	if (!p || dm__arena_new(&p->arena) < 0 || dm__strmap_new(&p->ne_seen, 64) < 0 ||
	    dm__strmap_new(&p->fp_seen, n / 2 + 256) < 0) {
		rc = dm__error(ctx, DM_ENOMEM, "posture: out of memory");
		goto done;
	}
	p->inv = live;
	p->cfg = defaults ? NULL : cfg;
	run.ctx = ctx;
	run.inv = live;
	run.cfg = cfg;
	run.res = p;
	run.now = cfg->now ? cfg->now : (long long)time(NULL);
	if (dm__arena_new(&run.arena) < 0 || dm__strmap_new(&run.bytype, 64) < 0 ||
	    dm__strmap_new(&run.byid, n + 16) < 0 || dm__strmap_new(&run.subnet_nacl, 1024) < 0 ||
	    dm__strmap_new(&run.subnet_rtb, 1024) < 0 || dm__strmap_new(&run.vpc_main_rtb, 256) < 0 ||
	    dm__strmap_new(&run.sg_enis, 1024) < 0 || dm__strmap_new(&run.sg_refd, 1024) < 0 ||
	    dm__strmap_new(&run.subnet_enis, 1024) < 0 || dm__strmap_new(&run.role_priv, 256) < 0 ||
	    dm__strmap_new(&run.profile_role, 256) < 0 || dm__strmap_new(&run.complete, 64) < 0 ||
	    dm__strmap_new(&run.atom_cache, 1024) < 0 || dm__strmap_new(&run.nacl_cache, 256) < 0 ||
	    dm__strmap_new(&run.doc_cache, 256) < 0 || dm__strmap_new(&run.jstr_cache, 1024) < 0) {
		rc = dm__error(ctx, DM_ENOMEM, "posture: out of memory");
		goto done;
	}
	p->framework = cfg->framework ? dm__arena_strdup(p->arena, cfg->framework) : NULL;
	run.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	run.md_ctx = run.md ? EVP_MD_CTX_new() : NULL; /* NULL: dm__sha256_hex per finding */
	t[0] = mono_ms();
	flt[0] = minor_faults();
	if ((rc = dm__pst_index(&run)) < 0) {
		rc = dm__error(ctx, rc, "posture: out of memory indexing the inventory");
		goto done;
	}
	t[1] = mono_ms();
	flt[1] = minor_faults();
	if ((rc = dm__pst_net_rules(&run)) < 0)
		goto done;
	t[2] = mono_ms();
	flt[2] = minor_faults();
	if ((rc = dm__pst_iam_rules(&run)) < 0 || (rc = dm__pst_eks_rules(&run)) < 0)
		goto done;
	t[3] = mono_ms();
	flt[3] = minor_faults();
	if ((rc = dm__pst_segmentation(&run)) < 0)
		goto done;
	t[4] = mono_ms();
	flt[4] = minor_faults();
	if ((rc = absent_inputs(&run)) < 0) {
		rc = dm__error(ctx, rc, "posture: out of memory");
		goto done;
	}
	dm__log(ctx, DM_LOG_DEBUG, "posture: index %.0f ms, network %.0f ms, iam+eks %.0f ms, segmentation %.0f ms, "
		"%zu findings; first-touch page faults %ld, %ld, %ld, %ld", t[1] - t[0], t[2] - t[1], t[3] - t[2],
		t[4] - t[3], p->nf, flt[1] - flt[0], flt[2] - flt[1], flt[3] - flt[2], flt[4] - flt[3]);
	filter_framework(&run);
	if ((rc = apply_mutes(&run)) < 0) {
		rc = dm__error(ctx, rc, "posture: out of memory applying mutes");
		goto done;
	}
	if (p->nf)
		qsort(p->f, p->nf, sizeof(*p->f), cmp_finding);
	if (p->nne)
		qsort(p->ne, p->nne, sizeof(*p->ne), cmp_ne);
	if (!p->eks_calendar)
		p->eks_calendar = "none (no EKS cluster)";
done:
	run_free(&run);
	if (rc < 0) {
		dm_posture_free(p);
		p = NULL;
	}
	if (p && defaults) {
		/* the result must not borrow a config we free: keep a private copy alive */
		p->cfg = NULL;
	}
	dm_posture_config_free(defaults);
	*out = p;
	return rc;
}

void dm_posture_free(dm_posture *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nf; i++)
		json_decref(p->f[i].evidence);
	dm__big_free(p->f, p->capf * sizeof(*p->f));
	free(p->ne);
	free(p->mutes);
	for (i = 0; i < p->ntiers; i++)
		free(p->tiers[i].subnets);
	free(p->tiers);
	for (i = 0; i < p->npairs; i++)
		free(p->pairs[i].allowed);
	free(p->pairs);
	dm__strmap_free(p->ne_seen);
	dm__strmap_free(p->fp_seen);
	dm__arena_free(p->arena);
	free(p);
}

size_t dm_posture_count(const dm_posture *p)
{
	return p ? p->nf : 0;
}

const dm_posture_finding *dm_posture_at(const dm_posture *p, size_t i)
{
	return p && i < p->nf ? &p->f[i] : NULL;
}

size_t dm_posture_not_evaluated_count(const dm_posture *p)
{
	return p ? p->nne : 0;
}

const dm_posture_not_evaluated *dm_posture_not_evaluated_at(const dm_posture *p, size_t i)
{
	return p && i < p->nne ? &p->ne[i] : NULL;
}

size_t dm_posture_mute_count(const dm_posture *p)
{
	return p ? p->nmutes : 0;
}

const dm_posture_mute_status *dm_posture_mute_at(const dm_posture *p, size_t i)
{
	return p && i < p->nmutes ? &p->mutes[i] : NULL;
}

void dm_posture_summary_get(const dm_posture *p, dm_posture_summary *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!p)
		return;
	for (i = 0; i < p->nf; i++) {
		const dm_posture_finding *f = &p->f[i];
		if (f->muted) {
			s->muted++;
			continue;
		}
		s->findings++;
		s->by_severity[f->severity]++;
		if (strcmp(f->area, "network") == 0)
			s->network++;
		else if (strcmp(f->area, "iam") == 0)
			s->iam++;
		else
			s->eks++;
		if (!s->has_max || f->severity > s->max_severity)
			s->max_severity = f->severity;
		s->has_max = 1;
	}
	s->not_evaluated = p->nne;
	for (i = 0; i < p->nmutes; i++)
		s->expired_mutes += p->mutes[i].expired ? 1 : 0;
}

int dm_posture_fails(const dm_posture *p, dm_severity fail_on)
{
	dm_posture_summary s;

	dm_posture_summary_get(p, &s);
	return s.has_max && s.max_severity >= fail_on;
}

const char *dm_posture_framework(const dm_posture *p)
{
	return p ? p->framework : NULL;
}

const char *dm_posture_eks_calendar(const dm_posture *p)
{
	return p && p->eks_calendar ? p->eks_calendar : "";
}

const dm_inventory *dm_posture_live(const dm_posture *p)
{
	return p ? p->inv : NULL;
}

void dm_posture_set_times(dm_posture *p, long long started_at, long long finished_at)
{
	p->started_at = started_at;
	p->finished_at = finished_at;
}

void dm_posture_set_first_seen(dm_posture *p, size_t i, long long when)
{
	if (p && i < p->nf)
		p->f[i].first_seen = when;
}

void dm_posture_times(const dm_posture *p, long long *started_at, long long *finished_at)
{
	*started_at = p ? p->started_at : 0;
	*finished_at = p ? p->finished_at : 0;
}

size_t dm_posture_tier_count(const dm_posture *p)
{
	return p ? p->ntiers : 0;
}

const char *dm_posture_tier_at(const dm_posture *p, size_t i)
{
	return p && i < p->ntiers ? p->tiers[i].name : NULL;
}

const char *const *dm_posture_tier_subnets(const dm_posture *p, size_t i, size_t *n)
{
	if (!p || i >= p->ntiers) {
		*n = 0;
		return NULL;
	}
	*n = p->tiers[i].nsubnets;
	return (const char *const *)p->tiers[i].subnets;
}

size_t dm_posture_pair_count(const dm_posture *p)
{
	return p ? p->npairs : 0;
}

const dm_posture_pair *dm_posture_pair_at(const dm_posture *p, size_t i)
{
	return p && i < p->npairs ? &p->pairs[i].pub : NULL;
}

const char *dm_posture_severity_name(dm_severity s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};

	return (unsigned)s < 5 ? names[s] : "unknown";
}

int dm_posture_severity_parse(const char *s, dm_severity *out)
{
	int i;

	for (i = 0; s && i < 5; i++) {
		if (strcasecmp(s, dm_posture_severity_name((dm_severity)i)) == 0) {
			*out = (dm_severity)i;
			return 0;
		}
	}
	return DM_EINVAL;
}
