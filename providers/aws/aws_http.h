/*
 * Extras of the AWS HTTP engine (beyond aws_internal.h), mostly for tests
 * and benchmarks.
 */
#ifndef DM_AWS_HTTP_H
#define DM_AWS_HTTP_H

#include <stdint.h>
#include "providers/aws/aws_internal.h"

/** Hard maximum of one response body (decoded): DM_ETOOBIG beyond it. */
#define AWS_HTTP_MAX_BODY ((size_t)256 * 1024 * 1024)

/** Seed the engine's jitter PRNG (deterministic tests). */
void aws_client_seed(aws_client *cl, uint64_t seed);
/** Override the body limit (tests); 0 restores AWS_HTTP_MAX_BODY. */
void aws_client_set_max_body(aws_client *cl, size_t max);
/** Most requests seen in flight at once since the client was created. */
unsigned aws_client_peak_inflight(const aws_client *cl);
/** Total HTTP attempts sent by this client. */
unsigned long aws_client_total_calls(const aws_client *cl);
/** Iterate counts: *it starts at 0; 0 when done. Strings borrowed. */
int aws_client_calls_next(const aws_client *cl, size_t *it, const char **account,
			  const char **region, const char **api, unsigned *count);

/**
 * Stop the run early: queued requests complete at once with DM_EHTTP (their
 * callbacks run), requests in flight finish but are not retried. For a run
 * whose result is already known to be useless (the account could not be
 * identified).
 */
void aws_client_cancel(aws_client *cl);

#endif
