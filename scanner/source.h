/*
 * driftmap — state sources, internal interface (scanner/source.c,
 * scanner/source_git.c). The public entry point is dm_state_load().
 */
#ifndef DRIFTMAP_SOURCE_H
#define DRIFTMAP_SOURCE_H

#include "internal.h"

/** dm_state_load() with a per-file size limit (tests use small limits). */
int dm__state_load_max(dm_inventory *into, dm_ctx *ctx, const char *src, size_t max_bytes);

/**
 * dm_state_parse() with a choice of path: whole_only = 1 parses the document
 * in one json_loadb() (the path v3 and all error messages use); 0 lets a
 * well-formed v4 document take the streaming path (one resource at a time).
 * Both give the same inventory; tests compare them.
 */
int dm__state_parse_mode(dm_inventory *into, dm_ctx *ctx, const char *data, size_t len,
			 const char *uri, const char *commit, int whole_only);

/**
 * dm_state_parse() of a file's bytes that the inventory may keep: when the
 * resources can point into b, the inventory takes it (b is emptied);
 * otherwise b is left to the caller, who frees it either way.
 */
int dm__state_parse_blob(dm_inventory *into, dm_ctx *ctx, dm_blob *b, const char *uri,
			 const char *commit);

/** A parsed `git::REPO//PATH?ref=REF`. Strings owned; free with dm__git_src_free(). */
typedef struct dm__git_src {
	char *repo;     /* as written (local path or URL) */
	char *shown;    /* repo with any URL password removed: used in messages and source_uri */
	char *path;     /* path or glob inside the tree, no leading '/' */
	char *ref;      /* "HEAD" when not given */
	int remote;     /* 1: URL (scheme:// incl. file://, or scp-like user@host:path) */
} dm__git_src;

/** Parse a git:: SRC. DM_EINVAL (message set) when malformed. */
int dm__git_src_parse(dm_ctx *ctx, const char *src, dm__git_src *out);
void dm__git_src_free(dm__git_src *s);

/** Cache directory of a remote URL: <cache>/git/<sha256 of the password-free URL>. Caller frees. */
int dm__git_cache_path(dm_ctx *ctx, const char *url, char **out);

/** Load a git:: SRC (source_git.c). */
int dm__state_load_git(dm_inventory *into, dm_ctx *ctx, const char *src, size_t max_bytes);

#endif
