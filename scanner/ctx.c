/* driftmap — the context object: error state, logging, cache dir, registry. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <pthread.h>
#include <curl/curl.h>
#include <git2.h>
#include "internal.h"

/* Process-wide dependency init, refcounted (the only process state we keep,
 * because libcurl requires it). libgit2 keeps its own count: dm__git_init. */
static pthread_mutex_t g_init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned g_init_refs;

static int deps_init(void)
{
	int rc = 0;

	pthread_mutex_lock(&g_init_lock);
	if (g_init_refs == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = -1;
	if (rc == 0)
		g_init_refs++;
	pthread_mutex_unlock(&g_init_lock);
	return rc;
}

static void deps_release(void)
{
	pthread_mutex_lock(&g_init_lock);
	if (g_init_refs > 0 && --g_init_refs == 0)
		curl_global_cleanup();
	pthread_mutex_unlock(&g_init_lock);
}

const char *dm_version(void)
{
	return DRIFTMAP_VERSION;
}

int dm_ctx_new(dm_ctx **out)
{
	dm_ctx *ctx = NULL;

	if (!out)
		return DM_EINVAL;
	*out = NULL;
	ctx = dm__calloc(1, sizeof(*ctx));
	if (!ctx)
		return DM_ENOMEM;
	ctx->log_level = DM_LOG_WARN;
	if (deps_init() < 0) {
		free(ctx);
		return DM_ERROR;
	}
	if (dm__registry_new(&ctx->registry) < 0) {
		deps_release();
		free(ctx);
		return DM_ENOMEM;
	}
	*out = ctx;
	return 0;
}

void dm_ctx_free(dm_ctx *ctx)
{
	if (!ctx)
		return;
	dm__registry_free(ctx->registry);
	free(ctx->cache_dir);
	if (ctx->git_ready)
		git_libgit2_shutdown();
	free(ctx);
	deps_release();
}

int dm__git_init(dm_ctx *ctx)
{
	if (ctx->git_ready)
		return 0;
	if (git_libgit2_init() < 0)
		return dm__error(ctx, DM_ERROR, "git: cannot initialise libgit2");
	ctx->git_ready = 1;
	return 0;
}

const char *dm_ctx_last_error(const dm_ctx *ctx)
{
	return ctx ? ctx->err : "";
}

int dm_ctx_last_error_code(const dm_ctx *ctx)
{
	return ctx ? ctx->err_code : DM_EINVAL;
}

void dm_ctx_clear_error(dm_ctx *ctx)
{
	if (!ctx)
		return;
	ctx->err[0] = '\0';
	ctx->err_code = 0;
}

void dm_ctx_set_log(dm_ctx *ctx, dm_log_fn fn, void *userdata, dm_log_level max_level)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_ud = userdata;
	ctx->log_level = max_level;
}

int dm_ctx_set_cache_dir(dm_ctx *ctx, const char *dir)
{
	char *copy;

	if (!ctx || !dir)
		return DM_EINVAL;
	copy = dm__strdup(dir);
	if (!copy)
		return DM_ENOMEM;
	free(ctx->cache_dir);
	ctx->cache_dir = copy;
	return 0;
}

const char *dm_ctx_cache_dir(const dm_ctx *ctx)
{
	static const char fallback[] = "/tmp/driftmap-cache";
	const char *xdg, *home;
	dm_ctx *mut = (dm_ctx *)ctx;
	dm_buf b = DM_BUF_INIT;

	if (!ctx)
		return fallback;
	if (ctx->cache_dir)
		return ctx->cache_dir;
	xdg = getenv("XDG_CACHE_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		dm__buf_printf(&b, "%s/driftmap", xdg);
	else if (home && *home)
		dm__buf_printf(&b, "%s/.cache/driftmap", home);
	else
		return fallback;
	mut->cache_dir = dm__buf_detach(&b);
	return mut->cache_dir ? mut->cache_dir : fallback;
}

/* Write a one-line message: newlines and tabs become spaces. */
static void set_message(dm_ctx *ctx, const char *fmt, va_list ap)
{
	size_t i;

	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	for (i = 0; ctx->err[i]; i++) {
		if (ctx->err[i] == '\n' || ctx->err[i] == '\r' || ctx->err[i] == '\t')
			ctx->err[i] = ' ';
	}
}

int dm__error(dm_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return code;
	va_start(ap, fmt);
	set_message(ctx, fmt, ap);
	va_end(ap);
	ctx->err_code = code;
	return code;
}

void dm__log(dm_ctx *ctx, dm_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!ctx || !ctx->log_fn || level > ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(level, msg, ctx->log_ud);
}
