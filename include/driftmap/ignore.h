/*
 * driftmap — .driftignore rules (driftctl syntax).
 *
 * One pattern a line: `TYPE.ID` or `TYPE.ID.ATTRIBUTE.PATH`, `*` wildcards,
 * `!` negation (later lines win), `#` comments, `\.` for a literal dot in an
 * id. Ownership: dm_ignore_* create objects freed with dm_ignore_free().
 */
#ifndef DRIFTMAP_IGNORE_H
#define DRIFTMAP_IGNORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dm_ignore dm_ignore;

int dm_ignore_load(dm_ignore **out, dm_ctx *ctx, const char *path);
int dm_ignore_parse(dm_ignore **out, dm_ctx *ctx, const char *text, size_t len, const char *what);
void dm_ignore_free(dm_ignore *ig);
/** Add the rules of another file to an existing set. */
int dm_ignore_append_file(dm_ignore *ig, dm_ctx *ctx, const char *path);

/** 1 when the resource (attr_path NULL) or the attribute path is ignored, else 0. */
int dm_ignore_match(const dm_ignore *ig, const char *type, const char *id, const char *attr_path);
/** Number of rules loaded. */
size_t dm_ignore_count(const dm_ignore *ig);

#ifdef __cplusplus
}
#endif
#endif
