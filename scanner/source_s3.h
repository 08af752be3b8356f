/*
 * driftmap — state sources: `s3://BUCKET/KEY` (KEY may be a glob).
 * Implemented by the AWS provider (providers/aws/aws_s3.c). Until that file
 * exists, scanner/source.c carries a weak fallback returning DM_EUNSUPPORTED.
 */
#ifndef DRIFTMAP_SOURCE_S3_H
#define DRIFTMAP_SOURCE_S3_H

#include "driftmap/inventory.h"

/**
 * Read every state object `src` ("s3://BUCKET/KEY") names into `into`, each
 * through dm_state_parse() with source_uri "s3://BUCKET/KEY" (concrete key).
 * Returns 0 or a negative dm_error_code with the message set on ctx.
 */
int dm__s3_load(dm_inventory *into, dm_ctx *ctx, const char *src);

#endif
