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

/*
 * The ignore workflow: turn the findings of a `driftmap.report/v1` JSON
 * report into `.driftignore` entries (`driftmap ignore --from report.json`).
 */

/** Which findings become entries, and what their comments say. All fields may be 0/NULL. */
typedef struct dm_ignore_select {
	const char *const *kinds;  /* "unmanaged", "missing", "changed"; none = every kind */
	size_t nkinds;
	const char *const *types;  /* Terraform types, `*` globs allowed; none = every type */
	size_t ntypes;
	const char *expires;       /* "YYYY-MM-DD" (today or later): the entries stop applying after it */
	const char *reason;        /* the comment's "reason:"; NULL = "TODO" */
	const char *owner;         /* the comment's "owner:"; NULL = "TODO" */
	long long now;             /* Unix seconds for the comment's date; 0 = the current time */
} dm_ignore_select;

/**
 * Append one `TYPE.ID` entry (dots and other special characters escaped),
 * preceded by a `# added by driftmap ignore on DATE: KIND ADDRESS; owner: …;
 * reason: …` comment line, to the ignore file at ignore_path for every
 * selected drift[] finding of the report at report_path. Findings the file's
 * rules already ignore (dm_ignore_match on the resource), findings the
 * report lists as ignored, and repeats are skipped. The file is created when
 * missing and left untouched when nothing is added. *added (may be NULL)
 * gets the number of entries written, *covered (may be NULL) the number of
 * selected findings skipped because a rule already covers them.
 *
 * Returns 0, DM_EINVAL (bad selection or --expires date), DM_EPARSE (not
 * JSON, not a driftmap.report/v1 report, malformed finding, bad ignore
 * file), DM_ENOTFOUND / DM_EIO (files), DM_ETOOBIG, DM_ENOMEM.
 */
int dm_ignore_append_from_report(dm_ctx *ctx, const char *report_path, const char *ignore_path,
				 const dm_ignore_select *sel, size_t *added, size_t *covered);

#ifdef __cplusplus
}
#endif
#endif
