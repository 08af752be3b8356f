/*
 * driftmap — Terraform state sources and the tfstate parser.
 *
 * SRC forms (DESIGN.md): local path or glob (envs/<glob>.tfstate with `*`, `**`, `?`),
 * `git::REPO//PATH?ref=REF` read through libgit2 from the object database
 * (REPO local path or URL; PATH may be a glob; REF branch, tag or commit,
 * default HEAD), `s3://BUCKET/KEY` (KEY may be a glob), `-` for stdin.
 *
 * Resources read are added to `into` (a state inventory) with their
 * provenance; one dm_source_info is added per state file read.
 */
#ifndef DRIFTMAP_STATE_H
#define DRIFTMAP_STATE_H

#include "inventory.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hard limit on one state file (bytes). */
#define DM_STATE_MAX_BYTES (1024u * 1024u * 1024u)

/**
 * Parse one state document (v4, v3; others rejected with DM_EVERSION).
 * `uri` and `commit` (may be NULL) are recorded as provenance.
 */
int dm_state_parse(dm_inventory *into, dm_ctx *ctx, const char *data, size_t len,
		   const char *uri, const char *commit);

/** Load every state a SRC names. Errors: DM_ENOTFOUND, DM_EGIT, DM_EPARSE, DM_EVERSION, DM_EIO. */
int dm_state_load(dm_inventory *into, dm_ctx *ctx, const char *src);

#ifdef __cplusplus
}
#endif
#endif
