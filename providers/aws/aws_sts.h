/*
 * STS (Query API, version 2011-06-15) over the AWS HTTP engine.
 * Endpoint: aws_endpoint_url("sts", region). All calls are synchronous
 * (aws_client_call). Out strings/credentials are owned by the caller.
 */
#ifndef DM_AWS_STS_H
#define DM_AWS_STS_H

#include "providers/aws/aws_internal.h"

#define AWS_STS_VERSION "2011-06-15"

/** GetCallerIdentity: account id (12 digits) and, if out_arn, the caller ARN. */
int aws_sts_get_caller_identity(aws_client *cl, const aws_creds *creds, const char *region,
				char **out_account, char **out_arn);

/** Called once when an asynchronous GetCallerIdentity ends: rc 0 with account (and arn,
 *  may be NULL; both borrowed for the call), or rc < 0 with the ctx error set. */
typedef void (*aws_sts_identity_fn)(void *ud, int rc, const char *account, const char *arn);

/**
 * Queue GetCallerIdentity on the client without waiting: fn runs from inside
 * aws_client_run() (or any aws_client_call()) when it completes, so the
 * identity round trip overlaps the scan's own requests.
 */
int aws_sts_get_caller_identity_submit(aws_client *cl, const aws_creds *creds, const char *region,
				       aws_sts_identity_fn fn, void *ud);

/** AssumeRole with `src` credentials. external_id may be NULL; duration 0 = default (3600). */
int aws_sts_assume_role(aws_client *cl, const aws_creds *src, const char *region,
			const char *role_arn, const char *session_name, const char *external_id,
			long duration_seconds, aws_creds *out);

/** AssumeRoleWithWebIdentity (unsigned request; the OIDC token authenticates). */
int aws_sts_assume_role_with_web_identity(aws_client *cl, const char *region,
					  const char *role_arn, const char *session_name,
					  const char *token, aws_creds *out);

/** Parse an ISO 8601 UTC time ("2026-11-23T10:00:00Z", fractions allowed) to unix seconds; -1 on error. */
long long aws_parse_iso8601(const char *s);

#endif
