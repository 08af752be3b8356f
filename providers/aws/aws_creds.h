/*
 * AWS credentials, profiles and regions the way the AWS SDKs resolve them.
 *
 * Chain (first that yields credentials wins):
 *   1. an explicit profile (opts->profile, e.g. --profile) — env keys are skipped;
 *   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *   3. AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME):
 *      STS AssumeRoleWithWebIdentity;
 *   4. the profile AWS_PROFILE (else "default") from AWS_SHARED_CREDENTIALS_FILE
 *      (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config, "[profile x]"):
 *      role_arn + source_profile | credential_source=Environment |
 *      web_identity_token_file (STS, chained), static keys, credential_process
 *      (JSON "Version": 1 on stdout).
 * Region: opts->region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region.
 *
 * Ownership: aws_session_resolve() fills *out; free it with aws_session_free()
 * (secrets are zeroed). Error messages never contain secret values.
 */
#ifndef DM_AWS_CREDS_H
#define DM_AWS_CREDS_H

#include "providers/aws/aws_internal.h"

typedef struct aws_session_opts {
	const char *profile;  /* explicit profile (--profile) or NULL */
	const char *region;   /* explicit region (--region) or NULL */
	aws_client *client;   /* engine for STS calls (roles, web identity); NULL: they fail */
} aws_session_opts;

typedef struct aws_session {
	aws_creds creds;
	char *region;   /* resolved region or NULL when none is configured */
	char *profile;  /* the profile used, or NULL (env / web identity) */
	char *source;   /* where the credentials came from, e.g. "env", "profile dev (credential_process)"; no secrets */
} aws_session;

/**
 * Resolve credentials and region. Errors: DM_EAUTH (no credentials, a
 * credential_process or STS call failed), DM_ENOTFOUND (named profile
 * missing), DM_EPARSE (bad credential_process output), DM_EINVAL (role
 * chain loop or too deep).
 */
int aws_session_resolve(aws_session *out, dm_ctx *ctx, const aws_session_opts *opts);
void aws_session_free(aws_session *s);

/** Resolve only the region (NULL *out when none is configured). */
int aws_region_resolve(char **out, dm_ctx *ctx, const char *explicit_region, const char *profile);

/** Deep copy of credentials; 0 or DM_ENOMEM. */
int aws_creds_copy(aws_creds *out, const aws_creds *in);

#endif
