/*
 * driftmap — posture reviews: the rule catalogue of ../shared/POSTURE.md
 * (SEG-01…16, IAM-01…15, EKS-01…07) evaluated over a live inventory.
 *
 *   dm_posture_config_new()/load()   knobs (YAML), mute file, framework filter
 *   dm_posture_run()                 evaluate every rule over a live inventory
 *   dm_posture_write()/write_file()  render: text, json (driftmap.posture/v1),
 *                                    ocsf, csv, sarif, junit, html
 *   dm_posture_summary_get()         counts for the exit code (--fail-on)
 *   dm_posture_segmentation_*()      the tier matrix (for the segmentation view)
 *
 * A rule whose inputs are absent or whose scope is incomplete is listed in
 * `not_evaluated` with the reason: it never passes silently.
 *
 * Ownership: dm_posture_run() gives the caller a result it frees with
 * dm_posture_free(); the result *borrows* the inventory and the config (keep
 * both alive until dm_posture_free()). Findings, not_evaluated entries, rules
 * and tiers returned by the accessors are borrowed from the result (or, for
 * rules, static). dm_posture_config_new()/load() give the caller a config it
 * frees with dm_posture_config_free(). All free functions accept NULL.
 */
#ifndef DRIFTMAP_POSTURE_H
#define DRIFTMAP_POSTURE_H

#include <stdio.h>
#include <jansson.h>
#include "inventory.h"
#include "diff.h" /* dm_severity */

#ifdef __cplusplus
extern "C" {
#endif

#define DM_POSTURE_SCHEMA "driftmap.posture/v1"

/* ---- the rule table (static, from POSTURE.md) --------------------------- */

typedef struct dm_posture_compliance {
	const char *framework; /* "cis-aws-3.0", "cis-aws-4.0", "cis-aws-5.0", "cis-aws-6.0", "aws-fsbp" */
	const char *id;        /* requirement: "5.3", "EC2.19" */
} dm_posture_compliance;

typedef struct dm_posture_rule {
	const char *id;            /* "SEG-01" — a contract (fingerprints, mute files, history) */
	const char *area;          /* "network", "iam", "eks" */
	const char *title;
	dm_severity severity;      /* base severity; findings may be graded up or down */
	const char *severity_text; /* the catalogue's grading ("High (Critical if SEG-11 path complete)") */
	const char *snapshot;      /* "S", "S+T", "S+X" */
	const char *inputs;        /* Terraform types the rule reads, comma-separated */
	const char *remediation;
	const dm_posture_compliance *compliance;
	size_t ncompliance;
} dm_posture_rule;

size_t dm_posture_rule_count(void);
const dm_posture_rule *dm_posture_rule_at(size_t i);
/** Rule by id ("SEG-01"); NULL when unknown. */
const dm_posture_rule *dm_posture_rule_find(const char *id);
/** The markdown table of docs/posture.md generated from the rule table. Caller frees. */
char *dm_posture_rules_markdown(void);

/* ---- configuration --------------------------------------------------------- */

typedef struct dm_posture_config dm_posture_config;

/** Defaults (POSTURE.md): admin/DB/high-risk port sets, allowed ports {80,443}, 90 days, ... */
int dm_posture_config_new(dm_posture_config **out);
/**
 * Load a YAML config file (keys documented in docs/posture.md): admin_ports,
 * data_ports, high_risk_ports, allowed_internet_ports, trusted_account_ids,
 * trusted_cidrs, stale_role_days, unused_credential_days, key_rotation_days,
 * eks_required_log_types, eks_warning_days, tier_tag,
 * enabled_rules, disabled_rules, segmentation_policy. Unknown keys are an
 * error (DM_EPARSE naming the file and key).
 */
int dm_posture_config_load(dm_posture_config **out, dm_ctx *ctx, const char *path);
/** Add the entries of a mute file (YAML or JSON; format in docs/posture.md). */
int dm_posture_config_load_mutes(dm_posture_config *cfg, dm_ctx *ctx, const char *path);
/** Only report rules mapped to FRAMEWORK ("cis-aws-4.0"); NULL: all. DM_EINVAL if unknown. */
int dm_posture_config_set_framework(dm_posture_config *cfg, dm_ctx *ctx, const char *framework);
/** The evaluation time (Unix seconds) for age-based rules and mute expiry; 0 = now. */
void dm_posture_config_set_now(dm_posture_config *cfg, long long unix_seconds);
void dm_posture_config_free(dm_posture_config *cfg);

/* ---- results ------------------------------------------------------------------ */

typedef struct dm_posture_finding {
	char fingerprint[33];      /* sha256(rule, account, region, resource, sub-key), 32 hex */
	const char *rule;          /* "SEG-02" */
	const char *area;          /* "network", "iam", "eks" */
	dm_severity severity;
	const char *title;
	const char *type;          /* Terraform type of the resource ("aws_security_group") */
	const char *resource_id;
	const char *account;
	const char *region;
	const char *subkey;        /* "ingress:tcp:22-22:0.0.0.0/0", "" when none */
	const char *message;       /* one line, specific to this finding */
	json_t *evidence;          /* the exact rule/statement/route/NACL entry (object) */
	const char *remediation;
	const dm_posture_compliance *compliance; /* borrowed from the rule table */
	size_t ncompliance;
	int muted;
	const char *mute_reason;   /* NULL unless muted */
	long long first_seen;      /* Unix seconds of the first run with this fingerprint (history
				      store, dm_posture_set_first_seen()); 0 = unknown, not in the JSON */
} dm_posture_finding;

typedef struct dm_posture_not_evaluated {
	const char *rule;          /* "IAM-15" */
	const char *scope;         /* "aws/123456789012/global" or "aws/ANY" */
	const char *reason;        /* "aws_iam_credential_report not collected" */
} dm_posture_not_evaluated;

typedef struct dm_posture_mute_status {
	const char *reason;        /* mute entry reason */
	const char *expires;       /* "2026-12-31" or NULL */
	int expired;               /* 1: past its expiry, no longer applied */
	size_t matched;            /* findings it muted */
} dm_posture_mute_status;

typedef struct dm_posture_summary {
	size_t findings;           /* not muted */
	size_t muted;
	size_t by_severity[5];     /* indexed by dm_severity, not muted */
	size_t network, iam, eks;  /* by area, not muted */
	size_t not_evaluated;
	size_t expired_mutes;
	int has_max;               /* 1 when findings > 0 */
	dm_severity max_severity;  /* highest unmuted severity */
} dm_posture_summary;

typedef struct dm_posture dm_posture;

/**
 * Evaluate every enabled rule over LIVE. cfg NULL = defaults. Returns 0,
 * DM_EINVAL (NULL inventory), DM_ENOMEM.
 */
int dm_posture_run(dm_posture **out, dm_ctx *ctx, const dm_inventory *live,
		   const dm_posture_config *cfg);
void dm_posture_free(dm_posture *p);

/** Findings sorted by (severity desc, rule, account, region, resource, subkey). */
size_t dm_posture_count(const dm_posture *p);
const dm_posture_finding *dm_posture_at(const dm_posture *p, size_t i);
size_t dm_posture_not_evaluated_count(const dm_posture *p);
const dm_posture_not_evaluated *dm_posture_not_evaluated_at(const dm_posture *p, size_t i);
size_t dm_posture_mute_count(const dm_posture *p);
const dm_posture_mute_status *dm_posture_mute_at(const dm_posture *p, size_t i);
void dm_posture_summary_get(const dm_posture *p, dm_posture_summary *out);
/** 1 when an unmuted finding is at or above fail_on (CLI: exit code 2). */
int dm_posture_fails(const dm_posture *p, dm_severity fail_on);
/** The framework filter in use (NULL: none). */
const char *dm_posture_framework(const dm_posture *p);
/** The EKS version calendar used: "api" or "embedded table as of YYYY-MM-DD". */
const char *dm_posture_eks_calendar(const dm_posture *p);
const dm_inventory *dm_posture_live(const dm_posture *p);
void dm_posture_set_times(dm_posture *p, long long started_at, long long finished_at);
void dm_posture_times(const dm_posture *p, long long *started_at, long long *finished_at);
/** Set finding i's first_seen (Unix seconds; history store). Out-of-range i is ignored. */
void dm_posture_set_first_seen(dm_posture *p, size_t i, long long when);

/* ---- segmentation matrix (tiers by tag, falling back to subnet) -------------- */

typedef struct dm_posture_port_range {
	const char *protocol;      /* "tcp", "udp", "icmp", "-1" (all) */
	int from, to;              /* inclusive; -1/-1 for all */
} dm_posture_port_range;

typedef struct dm_posture_pair {
	const char *from;          /* tier name, or "internet" */
	const char *to;
	const dm_posture_port_range *allowed;
	size_t nallowed;
} dm_posture_pair;

size_t dm_posture_tier_count(const dm_posture *p);
const char *dm_posture_tier_at(const dm_posture *p, size_t i);
/** Subnet ids of tier i (borrowed strings); *n receives the count. */
const char *const *dm_posture_tier_subnets(const dm_posture *p, size_t i, size_t *n);
size_t dm_posture_pair_count(const dm_posture *p);
const dm_posture_pair *dm_posture_pair_at(const dm_posture *p, size_t i);

/* ---- rendering ----------------------------------------------------------------- */

typedef struct dm_posture_render_options {
	int color;                 /* text: ANSI colours */
	int quiet;                 /* text: summary only */
	const char *diagram_svg;   /* html: inline segmentation diagram (may be NULL) */
} dm_posture_render_options;

/** "text", "json", "ocsf", "csv", "sarif", "junit", "html". */
int dm_posture_format_known(const char *format);
int dm_posture_write(dm_ctx *ctx, const dm_posture *p, const char *format,
		     const dm_posture_render_options *opts, FILE *out);
/** Written atomically (temp file + rename). */
int dm_posture_write_file(dm_ctx *ctx, const dm_posture *p, const char *format,
			  const dm_posture_render_options *opts, const char *path);
/** The driftmap.posture/v1 document as a new reference; NULL on allocation failure. */
json_t *dm_posture_json(const dm_posture *p);

const char *dm_posture_severity_name(dm_severity s); /* "critical" ... "info" */
int dm_posture_severity_parse(const char *s, dm_severity *out);

#ifdef __cplusplus
}
#endif
#endif
