/*
 * driftmap — loading provider plugins with dlopen.
 *
 * A plugin is a shared object exporting `driftmap_provider_entry`
 * (DM_PROVIDER_ENTRY_SYMBOL), a dm_provider_entry_fn returning a pointer to a
 * static dm_provider. It is opened RTLD_NOW (unresolved symbols fail here, not
 * in the middle of a scan) and RTLD_LOCAL (its symbols never leak into other
 * plugins). The registry keeps the handle and dlclose()s it with the context.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driftmap/providers.h"
#include "providers/registry_internal.h"

#define DM_PLUGIN_ENV "DRIFTMAP_PLUGIN_PATH"
#define DM_PLUGIN_PATH_MAX 4096u
#define DM_PLUGIN_DIR_MAX 1024u /* *.so files considered in one directory */

/* dlerror() usually starts with the path again: drop that repetition. */
static const char *dl_reason(const char *err, const char *path)
{
	size_t n = strlen(path);

	if (!err)
		return "unknown dlopen error";
	if (strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
		return err + n + 2;
	return err;
}

int dm_providers_load_plugin(dm_ctx *ctx, const char *path)
{
	dm_buf open_path = DM_BUF_INIT;
	void *h = NULL;
	void *sym = NULL;
	dm_provider_entry_fn entry = NULL;
	const dm_provider *p = NULL;
	int rc = 0;

	if (!ctx)
		return DM_EINVAL;
	if (!path || !path[0])
		return dm__error(ctx, DM_EINVAL, "plugin path is empty");

	/* A bare file name means a file here, never a search of the library path. */
	dm__buf_init(&open_path, DM_PLUGIN_PATH_MAX);
	rc = strchr(path, '/') ? dm__buf_puts(&open_path, path)
			       : dm__buf_printf(&open_path, "./%s", path);
	if (rc < 0) {
		rc = dm__error(ctx, rc == DM_ETOOBIG ? DM_EPLUGIN : rc,
			       "%.256s…: plugin path longer than %u bytes", path, DM_PLUGIN_PATH_MAX);
		goto done;
	}

	(void)dlerror();
	h = dlopen(open_path.ptr, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		rc = dm__error(ctx, DM_EPLUGIN, "%s: cannot load plugin: %s", path,
			       dl_reason(dlerror(), open_path.ptr));
		goto done;
	}
	if (dm__registry_has_handle(ctx->registry, h))
		goto done; /* the same file is already loaded: nothing to do (h is closed below) */

	(void)dlerror();
	sym = dlsym(h, DM_PROVIDER_ENTRY_SYMBOL);
	if (!sym) {
		rc = dm__error(ctx, DM_EPLUGIN, "%s: missing entry point %s", path,
			       DM_PROVIDER_ENTRY_SYMBOL);
		goto done;
	}
	/* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
	_Static_assert(sizeof(entry) == sizeof(sym), "function and data pointers differ in size");
	memcpy(&entry, &sym, sizeof(entry));

	p = entry();
	if (!p) {
		rc = dm__error(ctx, DM_EPLUGIN, "%s: entry point %s returned no provider", path,
			       DM_PROVIDER_ENTRY_SYMBOL);
		goto done;
	}
	rc = dm__registry_add(ctx, ctx->registry, p, path, h);
	if (rc < 0)
		goto done;
	h = NULL; /* owned by the registry */
done:
	if (h)
		dlclose(h);
	dm__buf_free(&open_path);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int has_so_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && name[0] != '.' && strcmp(name + n - 3, ".so") == 0;
}

/* Load every *.so (regular file) of dir, in byte order of the file names. */
static int load_dir(dm_ctx *ctx, const char *dir)
{
	DIR *d = NULL;
	struct dirent *de = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	dm_buf path = DM_BUF_INIT;
	int rc = 0;

	d = opendir(dir);
	if (!d) {
		rc = dm__error(ctx, DM_EPLUGIN, "%s: %s: cannot read plugin directory: %s",
			       DM_PLUGIN_ENV, dir, strerror(errno));
		goto done;
	}
	for (;;) {
		void *arr = names;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!has_so_suffix(de->d_name))
			continue;
		if (n >= DM_PLUGIN_DIR_MAX) {
			rc = dm__error(ctx, DM_ETOOBIG, "%s: %s: more than %u plugins in one directory",
				       DM_PLUGIN_ENV, dir, DM_PLUGIN_DIR_MAX);
			goto done;
		}
		if (dm__grow(&arr, &cap, n + 1, sizeof(*names)) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: %s: out of memory", DM_PLUGIN_ENV, dir);
			goto done;
		}
		names = arr;
		names[n] = dm__strdup(de->d_name);
		if (!names[n]) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: %s: out of memory", DM_PLUGIN_ENV, dir);
			goto done;
		}
		n++;
	}
	if (errno != 0) {
		rc = dm__error(ctx, DM_EPLUGIN, "%s: %s: cannot read plugin directory: %s",
			       DM_PLUGIN_ENV, dir, strerror(errno));
		goto done;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);

	dm__buf_init(&path, DM_PLUGIN_PATH_MAX);
	for (i = 0; i < n; i++) {
		struct stat st;
		size_t dl = strlen(dir);

		dm__buf_reset(&path);
		rc = dm__buf_printf(&path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
				    names[i]);
		if (rc < 0) {
			rc = dm__error(ctx, rc, "%s: %s/%s: path too long", DM_PLUGIN_ENV, dir,
				       names[i]);
			goto done;
		}
		if (stat(path.ptr, &st) != 0 || !S_ISREG(st.st_mode))
			continue; /* a directory called x.so, a dangling link: not a plugin */
		rc = dm_providers_load_plugin(ctx, path.ptr);
		if (rc < 0)
			goto done;
	}
done:
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	dm__buf_free(&path);
	return rc;
}

static int load_entry(dm_ctx *ctx, const char *entry)
{
	struct stat st;

	if (stat(entry, &st) != 0)
		return dm__error(ctx, DM_EPLUGIN, "%s: %s: %s", DM_PLUGIN_ENV, entry,
				 strerror(errno));
	if (S_ISDIR(st.st_mode))
		return load_dir(ctx, entry);
	return dm_providers_load_plugin(ctx, entry);
}

int dm_providers_load_env(dm_ctx *ctx)
{
	const char *env = NULL;
	const char *start = NULL;
	char *entry = NULL;
	int rc = 0;

	if (!ctx)
		return DM_EINVAL;
	env = getenv(DM_PLUGIN_ENV);
	if (!env || !env[0])
		return 0;
	start = env;
	for (;;) {
		const char *end = strchr(start, ':');
		size_t len = end ? (size_t)(end - start) : strlen(start);

		if (len > 0) { /* empty entries ("a::b", trailing ':') are skipped */
			entry = dm__strndup(start, len);
			if (!entry) {
				rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", DM_PLUGIN_ENV);
				goto done;
			}
			rc = load_entry(ctx, entry);
			free(entry);
			entry = NULL;
			if (rc < 0)
				goto done;
		}
		if (!end)
			break;
		start = end + 1;
	}
done:
	free(entry);
	return rc;
}
