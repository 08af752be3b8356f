/*
 * driftmap — common definitions: the context object, error codes, logging.
 *
 * Ownership: dm_ctx_new() gives the caller a context it frees with
 * dm_ctx_free(). Strings returned by dm_ctx_last_error() are borrowed and
 * valid until the next call that sets an error on the same context.
 */
#ifndef DRIFTMAP_COMMON_H
#define DRIFTMAP_COMMON_H

#include <stddef.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIFTMAP_VERSION "0.1.0"

#if defined(__GNUC__)
#define DM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DM_PRINTF(a, b)
#endif

/** Error codes: every fallible function returns 0 or one of these (< 0). */
typedef enum dm_error_code {
	DM_OK = 0,
	DM_ERROR = -1,       /* generic failure */
	DM_ENOMEM = -2,      /* allocation failed */
	DM_EINVAL = -3,      /* bad argument or bad user input */
	DM_ENOTFOUND = -4,   /* file, path, ref, resource not found */
	DM_EPARSE = -5,      /* malformed JSON/XML/state/ignore file */
	DM_EVERSION = -6,    /* unsupported format or ABI version */
	DM_EIO = -7,         /* read/write failure */
	DM_ETOOBIG = -8,     /* a hard size limit was hit */
	DM_EGIT = -9,        /* libgit2 failure */
	DM_EHTTP = -10,      /* transport failure after retries */
	DM_EAPI = -11,       /* a cloud API answered with an error */
	DM_EPLUGIN = -12,    /* plugin could not be loaded */
	DM_EAUTH = -13,      /* credentials missing or rejected */
	DM_ESTORE = -14,     /* history store failure */
	DM_EUNSUPPORTED = -15 /* feature not available in this build */
} dm_error_code;

/** Log levels for the context's log callback. */
typedef enum dm_log_level {
	DM_LOG_ERROR = 0,
	DM_LOG_WARN = 1,
	DM_LOG_INFO = 2,
	DM_LOG_DEBUG = 3
} dm_log_level;

typedef void (*dm_log_fn)(dm_log_level level, const char *msg, void *userdata);

/** The one context object everything hangs off. Opaque. */
typedef struct dm_ctx dm_ctx;

/** Create a context. Initialises libcurl/libgit2 once per process (refcounted). */
int dm_ctx_new(dm_ctx **out);
/** Free a context; NULL is accepted. */
void dm_ctx_free(dm_ctx *ctx);

/** The message of the last error set on this context ("" when none). Borrowed. */
const char *dm_ctx_last_error(const dm_ctx *ctx);
/** The code of the last error (DM_OK when none). */
int dm_ctx_last_error_code(const dm_ctx *ctx);
/** Forget the last error. */
void dm_ctx_clear_error(dm_ctx *ctx);

/** Set the log callback and the most verbose level that reaches it. */
void dm_ctx_set_log(dm_ctx *ctx, dm_log_fn fn, void *userdata, dm_log_level max_level);

/** Directory for caches (remote git clones, ...). Default: $XDG_CACHE_HOME/driftmap or ~/.cache/driftmap. */
int dm_ctx_set_cache_dir(dm_ctx *ctx, const char *dir);
const char *dm_ctx_cache_dir(const dm_ctx *ctx);

/** Library version string. */
const char *dm_version(void);

#ifdef __cplusplus
}
#endif
#endif
