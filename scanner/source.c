/*
 * driftmap — state sources: dispatch on the SRC form, local files, local
 * globs and stdin. git:: lives in source_git.c, s3:// in the AWS provider.
 *
 * Globs: `*` and `?` within one path component, `**` across components
 * (dm__glob_match). The walk starts at the longest leading directory with no
 * glob character, does not descend into hidden entries (names starting with
 * '.', so `.git` and `.terraform` are never read) nor through symbolic links
 * to directories, and stops at the depth the pattern can reach when it has no
 * `**`. Matches are loaded in byte order of their paths.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "driftmap/state.h"
#include "source.h"
#include "source_s3.h"

/* A glob walk never goes deeper than this (pattern with `**`). */
#define GLOB_MAX_DEPTH 64
/* Nor collects more matches than this. */
#define GLOB_MAX_MATCHES 100000u

/*
 * s3:// is read by dm__s3_load() (source_s3.h), implemented in
 * providers/aws/aws_s3.c. No weak fallback here: with a static libdriftmap.a
 * a weak definition in this object would satisfy the reference and the
 * archive member holding the real one would never be linked in.
 */

/* Read and parse one local file. */
static int load_file(dm_inventory *into, dm_ctx *ctx, const char *path, size_t max)
{
	struct stat st;
	dm_blob blob;
	int rc;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return dm__error(ctx, DM_ENOTFOUND, "%s: no such state file", path);
		return dm__error(ctx, DM_EIO, "%s: %s", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return dm__error(ctx, DM_EINVAL,
				 "%s: is a directory, not a state file (a glob such as %s/**/*.tfstate reads every state in it)",
				 path, path);
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > (unsigned long long)max)
		return dm__error(ctx, DM_ETOOBIG, "%s: state file is %lld bytes, over the limit of %zu bytes",
				 path, (long long)st.st_size, max);
	rc = dm__blob_read_file(ctx, path, max, &blob);
	if (rc < 0)
		return rc;
	rc = dm__state_parse_blob(into, ctx, &blob, path, NULL);
	dm__blob_free(&blob);
	return rc;
}

static int load_stdin(dm_inventory *into, dm_ctx *ctx, size_t max)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = dm__read_stream(ctx, stdin, "stdin", max, &data, &len);
	if (rc < 0)
		goto done;
	rc = dm_state_parse(into, ctx, data, len, "stdin", NULL);
done:
	free(data);
	return rc;
}

/* ---- local globs ---------------------------------------------------------- */

typedef struct glob_walk {
	dm_ctx *ctx;
	const char *pattern;
	int max_depth;
	char **paths;
	size_t n, cap;
} glob_walk;

static int glob_add(glob_walk *w, const char *path)
{
	char *copy;

	if (w->n >= GLOB_MAX_MATCHES)
		return dm__error(w->ctx, DM_ETOOBIG, "%s: more than %u files match", w->pattern,
				 GLOB_MAX_MATCHES);
	if (dm__grow((void **)&w->paths, &w->cap, w->n + 1, sizeof(*w->paths)) != 0)
		return dm__error(w->ctx, DM_ENOMEM, "%s: out of memory", w->pattern);
	copy = dm__strdup(path);
	if (!copy)
		return dm__error(w->ctx, DM_ENOMEM, "%s: out of memory", w->pattern);
	w->paths[w->n++] = copy;
	return 0;
}

/*
 * Walk directory `dir` (opened as given, "." when empty). `path` holds the
 * prefix that entries are appended to for matching ("" or "envs/").
 */
static int glob_walk_dir(glob_walk *w, dm_buf *path, int depth)
{
	DIR *d = NULL;
	struct dirent *de;
	size_t base = path->len;
	int rc = 0;

	d = opendir(path->len ? path->ptr : ".");
	if (!d)
		return 0; /* unreadable or vanished directory: nothing matches there */
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path->len = base;
		if (path->ptr)
			path->ptr[base] = '\0';
		rc = dm__buf_puts(path, de->d_name);
		if (rc != 0) {
			rc = dm__error(w->ctx, rc, "%s: path too long under %s", w->pattern, path->ptr);
			goto done;
		}
		if (lstat(path->ptr, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 > w->max_depth)
				continue;
			rc = dm__buf_putc(path, '/');
			if (rc == 0)
				rc = glob_walk_dir(w, path, depth + 1);
			if (rc < 0)
				goto done;
			continue;
		}
		if (S_ISLNK(st.st_mode) && (stat(path->ptr, &st) != 0 || !S_ISREG(st.st_mode)))
			continue;
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		if (dm__glob_match(w->pattern, path->ptr)) {
			rc = glob_add(w, path->ptr);
			if (rc < 0)
				goto done;
		}
	}
done:
	path->len = base;
	if (path->ptr)
		path->ptr[base] = '\0';
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_glob(dm_inventory *into, dm_ctx *ctx, const char *pattern, size_t max)
{
	glob_walk w;
	dm_buf path = DM_BUF_INIT;
	size_t meta = strcspn(pattern, "*?["), slash = 0, i;
	int rc = 0, has_slash = 0;
	const char *rest;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.pattern = pattern;
	dm__buf_init(&path, 1u << 16);

	for (i = 0; i < meta; i++)
		if (pattern[i] == '/') {
			slash = i;
			has_slash = 1;
		}
	/* the walk root: the pattern's leading directory, kept as written */
	if (has_slash && dm__buf_put(&path, pattern, slash + 1) != 0) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", pattern);
		goto done;
	}
	rest = pattern + (has_slash ? slash + 1 : 0);
	if (strstr(rest, "**")) {
		w.max_depth = GLOB_MAX_DEPTH;
	} else {
		w.max_depth = 0;
		for (; *rest; rest++)
			if (*rest == '/')
				w.max_depth++;
	}
	rc = glob_walk_dir(&w, &path, 0);
	if (rc < 0)
		goto done;
	if (w.n == 0) {
		rc = dm__error(ctx, DM_ENOTFOUND, "%s: no state file matches this pattern", pattern);
		goto done;
	}
	qsort(w.paths, w.n, sizeof(*w.paths), cmp_str);
	for (i = 0; i < w.n; i++) {
		rc = load_file(into, ctx, w.paths[i], max);
		if (rc < 0)
			goto done;
	}
done:
	for (i = 0; i < w.n; i++)
		free(w.paths[i]);
	free(w.paths);
	dm__buf_free(&path);
	return rc;
}

/* ---- dispatch --------------------------------------------------------------- */

int dm__state_load_max(dm_inventory *into, dm_ctx *ctx, const char *src, size_t max_bytes)
{
	if (!ctx)
		return DM_EINVAL;
	if (!into || !src || !*src)
		return dm__error(ctx, DM_EINVAL, "empty state source");
	if (strcmp(src, "-") == 0)
		return load_stdin(into, ctx, max_bytes);
	if (strncmp(src, "git::", 5) == 0)
		return dm__state_load_git(into, ctx, src, max_bytes);
	if (strncmp(src, "s3://", 5) == 0)
		return dm__s3_load(into, ctx, src);
	if (dm__has_glob(src))
		return load_glob(into, ctx, src, max_bytes);
	return load_file(into, ctx, src, max_bytes);
}

int dm_state_load(dm_inventory *into, dm_ctx *ctx, const char *src)
{
	return dm__state_load_max(into, ctx, src, DM_STATE_MAX_BYTES);
}
