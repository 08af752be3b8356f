/*
 * SigV4 internals exposed for tests (fixtures/sigv4/ vectors).
 */
#ifndef DM_AWS_SIGV4_H
#define DM_AWS_SIGV4_H

#include "providers/aws/aws_internal.h"

/**
 * The intermediate texts of SigV4 for `in`: the canonical request and the
 * string to sign (each malloc'd; either out pointer may be NULL).
 * Returns 0, DM_EINVAL (missing field) or DM_ENOMEM.
 */
int aws_sigv4_debug(const aws_sign_input *in, const aws_creds *creds, char **out_creq,
		    char **out_sts);

/** Format unix seconds as an x-amz-date ("20150830T123600Z") into out[17]. */
void aws_sigv4_amz_date(long long unix_seconds, char out[17]);

#endif
