/*
 * driftmap posture engine — internals shared by scanner/posture*.c and
 * reports/posture_*.c. Never installed. Names: dm__pst_*.
 */
#ifndef DM_POSTURE_INTERNAL_H
#define DM_POSTURE_INTERNAL_H

#include "internal.h"
#include "driftmap/posture.h"

/* ---- ports and protocols ------------------------------------------------ */

enum { PST_P_ALL = -1, PST_P_TCP = 6, PST_P_UDP = 17, PST_P_ICMP = 1, PST_P_ICMP6 = 58 };

typedef struct pst_port {
	int from, to;   /* inclusive */
	int proto;      /* 0: tcp or udp, else PST_P_TCP / PST_P_UDP */
} pst_port;

typedef struct pst_ports {
	pst_port *v;
	size_t n, cap;
} pst_ports;

typedef struct pst_strs {
	char **v;
	size_t n, cap;
} pst_strs;

/* ---- mute entries --------------------------------------------------------- */

typedef struct pst_mute {
	char *rule;      /* glob or NULL */
	char *account;
	char *region;
	char *resource;  /* id, ARN or glob */
	pst_strs tags;   /* "KEY=VALUE" (all must match) */
	char *reason;
	char *expires;   /* YYYY-MM-DD or NULL */
	long long expires_at; /* end of that day, Unix seconds; 0 none */
} pst_mute;

typedef struct pst_policy_rule {
	char *from, *to;     /* tiers or "internet" */
	pst_ports allow;     /* allowed (proto, ports); empty = nothing */
} pst_policy_rule;

struct dm_posture_config {
	pst_ports admin_ports, data_ports, high_risk_ports, allowed_ports;
	pst_strs trusted_accounts, trusted_cidrs;
	long stale_role_days, unused_credential_days, key_rotation_days;
	pst_strs eks_log_types;
	long eks_warning_days;
	char *eks_oldest_supported; /* "1.28" or NULL */
	char *tier_tag;
	pst_strs enabled_rules, disabled_rules;
	pst_policy_rule *policy;
	size_t npolicy, cappolicy;
	pst_mute *mutes;
	size_t nmutes, capmutes;
	char *framework;
	long long now;
};

int dm__pst_ports_add(pst_ports *p, int from, int to, int proto);
void dm__pst_ports_free(pst_ports *p);
int dm__pst_strs_add(pst_strs *s, const char *v);
void dm__pst_strs_free(pst_strs *s);
int dm__pst_strs_has(const pst_strs *s, const char *v);
/** "tcp/5432", "5432", "1433-1434", "udp/53", "all" → port. 0 or -1. */
int dm__pst_port_parse(const char *s, pst_port *out);
int dm__pst_config_defaults(dm_posture_config *c);

/* ---- CIDRs --------------------------------------------------------------- */

typedef struct pst_cidr {
	int family;          /* 4 or 6; 0 invalid */
	unsigned char a[16]; /* network address (v4 in a[0..3]) */
	int len;             /* prefix length */
} pst_cidr;

int dm__pst_cidr_parse(const char *s, pst_cidr *out); /* 0 or -1 */
/** Does a contain b (b inside a)? */
int dm__pst_cidr_contains(const pst_cidr *a, const pst_cidr *b);
int dm__pst_cidr_overlaps(const pst_cidr *a, const pst_cidr *b);
int dm__pst_cidr_is_internet(const char *s); /* exactly 0.0.0.0/0 or ::/0 */

/* ---- the run ----------------------------------------------------------------- */

typedef struct pst_vec {
	const void **v;
	size_t n, cap;
} pst_vec;

/** Open-addressing map from a pair of pointers (k1 non-NULL) to a value. Zero-initialised = empty. */
typedef struct pst_pmap_slot {
	const void *k1, *k2;
	void *v;
} pst_pmap_slot;

typedef struct pst_pmap {
	pst_pmap_slot *slots;
	size_t cap, n; /* cap: power of two */
} pst_pmap;

void *dm__pst_pmap_get(const pst_pmap *m, const void *k1, const void *k2);
/** Insert or replace. 0, DM_ENOMEM, DM_EINVAL (k1 NULL). */
int dm__pst_pmap_put(pst_pmap *m, const void *k1, const void *k2, void *v);
void dm__pst_pmap_free(pst_pmap *m);

/** One normalised SG rule atom (one source). */
typedef struct pst_atom {
	const char *proto_s;  /* as AWS wrote it */
	const char *source;   /* CIDR, pl id, sg id */
	const char *via_pl_cidr; /* for prefix lists: the internet entry */
	const json_t *block;  /* the ingress/egress block */
	int proto;            /* PST_P_*, or another protocol number */
	int from, to;         /* 0..65535 for all */
	int raw_from, raw_to; /* from_port/to_port as written (0 when absent), for evidence */
	signed char raw_big;  /* 1: they do not fit an int (read them from block) */
	signed char egress;
	char kind;            /* 'c' CIDRv4, '6' CIDRv6, 'p' prefix list, 'g' SG, 's' self */
	signed char internet; /* 4 or 6 when the source is (or contains) the internet, else 0 */
	signed char cidr_ok;  /* kinds 'c' and '6': source parsed into cidr */
	pst_cidr cidr;
} pst_atom;

typedef int (*pst_atom_fn)(void *ud, const dm_resource *sg, const pst_atom *a);

/** An ENI's subnet and security groups, resolved once per run. */
typedef struct pst_eni {
	const dm_resource *subnet;     /* NULL when not in the inventory */
	const dm_resource **sgs;       /* the groups found, in attribute order */
	size_t nsgs;
} pst_eni;

typedef struct pst_run {
	dm_ctx *ctx;
	const dm_inventory *inv;
	const dm_posture_config *cfg;
	dm_posture *res;
	long long now;
	dm_arena *arena;
	dm_strmap *bytype;     /* type -> pst_vec* of resources */
	dm_strmap *byid;       /* "type\x1fid" -> resource (first) */
	dm_strmap *subnet_nacl;  /* subnet id -> aws_network_acl */
	dm_strmap *subnet_rtb;   /* subnet id -> route table id (explicit) */
	dm_strmap *vpc_main_rtb; /* vpc id -> route table id */
	dm_strmap *sg_enis;      /* sg id -> pst_vec* of ENIs */
	dm_strmap *sg_refd;      /* sg id -> referenced by another SG (non-NULL) */
	dm_strmap *subnet_enis;  /* subnet id -> pst_vec* of ENIs */
	dm_strmap *role_priv;    /* "account\x1frole" -> reason string (IAM-01/02/06) */
	dm_strmap *profile_role; /* "account\x1fprofile" -> role name */
	dm_strmap *complete;     /* "type\x1faccount\x1fregion" -> cached completeness */
	dm_strmap *atom_cache;   /* sg id -> compiled atoms (arena) */
	dm_strmap *nacl_cache;   /* nacl id -> compiled, sorted entries (arena) */
	pst_vec vecs;            /* every pst_vec allocated (freed at the end) */
	struct evp_md_ctx_st *md_ctx; /* fingerprint digest, reused (NULL: one-shot digests) */
	struct evp_md_st *md;
	pst_atom *atom_tmp;      /* compile buffer of dm__pst_sg_atoms */
	size_t atom_tmp_cap;
	dm_strmap *doc_cache;    /* policy JSON text -> parsed document (posture_iam.c) */
	dm_strmap *jstr_cache;   /* string -> shared JSON string of evidence values */
	json_t **jint_cache;     /* 0..65535 -> shared JSON integer (lazily allocated) */
	pst_pmap atom_by_sg;     /* sg resource -> its atom_cache entry */
	pst_eni *eni_info;       /* parallel to the aws_network_interface vector (dm__pst_enis) */
} pst_run;

/** Resources of a type (never NULL: an empty vector when none). */
const pst_vec *dm__pst_type(pst_run *run, const char *type);
const dm_resource *dm__pst_get(pst_run *run, const char *type, const char *id);
int dm__pst_rule_on(pst_run *run, const char *rule);
/**
 * Completeness of TYPE for (account, region): 1 complete, 0 failed, -1 not
 * collected. Inventories without any scope (hand-written) count a type as
 * collected when at least one resource of that type is present.
 */
int dm__pst_complete(pst_run *run, const char *type, const char *account, const char *region);
/** Add a not_evaluated entry (deduplicated on rule+scope+reason). */
int dm__pst_not_eval(pst_run *run, const char *rule, const char *scope, const char *fmt, ...)
	DM_PRINTF(4, 5);
/**
 * Require TYPE for RULE in (account, region) of resource r (NULL: any): 1 when
 * usable; otherwise records not_evaluated and returns 0.
 */
int dm__pst_need(pst_run *run, const char *rule, const char *type, const char *account,
		 const char *region);
/**
 * Add a finding for RULE on resource r (type/id/account/region from r).
 * evidence is stolen. compliance NULL: the rule's. Returns 0 or DM_ENOMEM.
 */
int dm__pst_add(pst_run *run, const char *rule, dm_severity sev, const dm_resource *r,
		const char *subkey, json_t *evidence, const dm_posture_compliance *comp,
		size_t ncomp, const char *fmt, ...) DM_PRINTF(9, 10);
int dm__pst_vec_push(pst_vec *v, const void *p);
pst_vec *dm__pst_vec_new(pst_run *run);
const char *dm__pst_intern(pst_run *run, const char *s);
/**
 * Evidence values shared across findings (one allocation per distinct value
 * per run; evidence is read-only once added). New reference; NULL on ENOMEM.
 */
json_t *dm__pst_jstr(pst_run *run, const char *s);
json_t *dm__pst_jint(pst_run *run, long long v);

/* attribute helpers */
const char *dm__pst_str(const json_t *o, const char *k); /* "" when absent or not a string */
int dm__pst_bool(const json_t *o, const char *k);         /* true, "true" → 1 */
long long dm__pst_int(const json_t *o, const char *k, long long dflt);
const json_t *dm__pst_block(const json_t *o, const char *k); /* first object of a list block, or the object */
/** Parse "YYYY-MM-DD[THH:MM:SS[.fff]Z|±hh:mm]" or a number → Unix seconds; -1 bad. */
long long dm__pst_time(const json_t *v);
long long dm__pst_time_str(const char *s);
/** Tag value of resource r, NULL when absent. */
const char *dm__pst_tag(const dm_resource *r, const char *key);

/** Per ENI of dm__pst_type(run, "aws_network_interface"), same order; NULL on ENOMEM. */
const pst_eni *dm__pst_enis(pst_run *run);

/* SG atoms */
int dm__pst_sg_atoms(pst_run *run, const dm_resource *sg, int egress, pst_atom_fn fn, void *ud);
int dm__pst_proto_parse(const char *s);
/** Does the atom's port range intersect ports (protocol-compatible)? First hit in *hit. */
int dm__pst_atom_hits(const pst_atom *a, const pst_ports *ports, pst_port *hit);
json_t *dm__pst_atom_json(pst_run *run, const dm_resource *sg, const pst_atom *a);

/* network path helpers (posture_net.c) */
/** Effective route table of a subnet: explicit, else the main table of the same VPC. */
const dm_resource *dm__pst_subnet_rtb(pst_run *run, const dm_resource *subnet, const char **how);
/** Active route for "0.0.0.0/0"/"::/0" to igw-*; the route block or NULL. */
const json_t *dm__pst_igw_route(const dm_resource *rtb, int family);
/**
 * NACL first-match evaluation: the ingress (egress=0) or egress entries of the
 * family, sorted by rule_no; the first whose CIDR contains `cidr` and whose
 * protocol/port match decides. Returns 1 allow, 0 deny (entry in *entry, NULL
 * for the implicit final deny).
 */
int dm__pst_nacl_eval(pst_run *run, const dm_resource *nacl, int egress, int family,
		      const pst_cidr *cidr, int proto, int port, const json_t **entry);
/** The NACL's entries parsed and sorted once per run (NULL on ENOMEM), and its evaluation. */
struct pst_nacl_c;
const struct pst_nacl_c *dm__pst_nacl_compile(pst_run *run, const dm_resource *nacl);
int dm__pst_nacl_eval_c(const struct pst_nacl_c *c, int egress, int family, const pst_cidr *cidr, int proto,
			int port, const json_t **entry);
/** Is this NACL the AWS default one? */
int dm__pst_nacl_is_default(pst_run *run, const dm_resource *nacl);

/* rule families */
int dm__pst_index(pst_run *run);
int dm__pst_net_rules(pst_run *run);
int dm__pst_iam_rules(pst_run *run);
/** Release the run's parsed policy documents (posture_iam.c). */
void dm__pst_doc_cache_free(pst_run *run);
int dm__pst_eks_rules(pst_run *run);
int dm__pst_segmentation(pst_run *run);

/* the result, visible to the renderers */
typedef struct pst_tier {
	const char *name;
	const char **subnets;
	size_t nsubnets, cap;
} pst_tier;

typedef struct pst_pair {
	dm_posture_pair pub;
	dm_posture_port_range *allowed;
	size_t cap;
} pst_pair;

struct dm_posture {
	const dm_inventory *inv;
	const dm_posture_config *cfg;
	dm_arena *arena;
	dm_posture_finding *f;
	size_t nf, capf;
	dm_posture_not_evaluated *ne;
	size_t nne, capne;
	dm_strmap *ne_seen;
	dm_strmap *fp_seen;
	dm_posture_mute_status *mutes;
	size_t nmutes;
	pst_tier *tiers;
	size_t ntiers, captiers;
	pst_pair *pairs;
	size_t npairs, cappairs;
	const char *framework;
	const char *eks_calendar;
	long long started_at, finished_at;
};

/* renderers (reports/posture_*.c) */
int dm__posture_text(dm_ctx *ctx, const dm_posture *p, const dm_posture_render_options *o, FILE *out);
int dm__posture_ocsf(dm_ctx *ctx, const dm_posture *p, FILE *out);
int dm__posture_csv(dm_ctx *ctx, const dm_posture *p, FILE *out);
int dm__posture_sarif(dm_ctx *ctx, const dm_posture *p, FILE *out);
int dm__posture_junit(dm_ctx *ctx, const dm_posture *p, FILE *out);
int dm__posture_html(dm_ctx *ctx, const dm_posture *p, const dm_posture_render_options *o, FILE *out);
/** Per-requirement summary of the framework filter (JSON array) or NULL. */
json_t *dm__posture_framework_json(const dm_posture *p);

#endif
