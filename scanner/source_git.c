/*
 * driftmap — `git::REPO//PATH?ref=REF` state sources, read with libgit2
 * straight from the object database: no checkout, no working tree touched.
 *
 * REPO is a local repository (bare or not; the path must be its root) or a
 * URL. Every URL — https://, ssh://, scp-like user@host:path and file:// —
 * is fetched into a bare cache repository, <cache>/git/<sha256 of the URL
 * without password>: cloned on first use (init + fetch), fetched on every
 * later run. Fetching uses an anonymous remote that mirrors the origin's
 * branches and tags into refs/heads and refs/tags (forced, pruned), so
 * branch and tag names resolve as in the origin, and sets HEAD to the
 * origin's default branch; a URL's credentials are never written to disk.
 * SSH authenticates through ssh-agent; https through user:token@ in the URL.
 *
 * REF (default HEAD) is resolved with git_revparse_single and peeled to a
 * commit: branch, tag (annotated too), full or short commit id. PATH may be
 * a glob over the tree at that commit (for example every .tfstate under envs/).
 *
 * Provenance: source_uri = git::REPO//CONCRETE_PATH?ref=REF (REPO as given,
 * minus any URL password), commit = the 40-hex commit id.
 *
 * libgit2 is initialised by dm_ctx_new() (refcounted), not here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "internal.h"
#include "driftmap/state.h"
#include "source.h"

#define GIT_MAX_MATCHES 100000u

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

/* ---- SRC parsing ------------------------------------------------------------ */

void dm__git_src_free(dm__git_src *s)
{
	if (!s)
		return;
	free(s->repo);
	free(s->shown);
	free(s->path);
	free(s->ref);
	memset(s, 0, sizeof(*s));
}

/* "https://user:pw@host/x" -> "https://user@host/x"; other forms unchanged. */
static char *strip_password(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth, *at, *colon, *slash;
	dm_buf b = DM_BUF_INIT;

	if (!scheme)
		return dm__strdup(url);
	auth = scheme + 3;
	slash = strchr(auth, '/');
	at = strchr(auth, '@');
	if (!at || (slash && at > slash))
		return dm__strdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon)
		return dm__strdup(url);
	dm__buf_init(&b, 0);
	if (dm__buf_put(&b, url, (size_t)(colon - url)) != 0 || dm__buf_puts(&b, at) != 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

int dm__git_src_parse(dm_ctx *ctx, const char *src_in, dm__git_src *out)
{
	const char *s, *q, *scheme, *sep, *p;
	char *src = NULL; /* src_in without URL password: for messages */
	size_t mainlen;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	src = strip_password(src_in);
	if (!src)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	if (strncmp(src_in, "git::", 5) != 0) {
		rc = dm__error(ctx, DM_EINVAL, "%s: not a git:: source", src);
		goto done;
	}
	s = src_in + 5;
	q = strchr(s, '?');
	mainlen = q ? (size_t)(q - s) : strlen(s);

	/* the REPO//PATH separator is the first "//" after any "scheme://" */
	scheme = strstr(s, "://");
	if (scheme && scheme < s + mainlen)
		p = scheme + 3;
	else
		p = s;
	sep = NULL;
	for (; p + 1 < s + mainlen; p++)
		if (p[0] == '/' && p[1] == '/') {
			sep = p;
			break;
		}
	if (!sep || sep == s) {
		rc = dm__error(ctx, DM_EINVAL, "%s: expected git::REPO//PATH?ref=REF (no //PATH)", src);
		goto done;
	}
	out->repo = dm__strndup(s, (size_t)(sep - s));
	p = sep + 2;
	while (*p == '/' && p < s + mainlen)
		p++;
	out->path = dm__strndup(p, (size_t)(s + mainlen - p));
	if (!out->repo || !out->path) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
		goto done;
	}
	while (out->path[0] && out->path[strlen(out->path) - 1] == '/')
		out->path[strlen(out->path) - 1] = '\0';
	if (!out->path[0]) {
		rc = dm__error(ctx, DM_EINVAL, "%s: expected git::REPO//PATH?ref=REF (empty PATH)", src);
		goto done;
	}

	/* query: ref=REF; depth= (Terraform's) is accepted and ignored */
	while (q && *q) {
		const char *kv = q + 1;
		const char *end = strchr(kv, '&');
		size_t n = end ? (size_t)(end - kv) : strlen(kv);

		if (n > 4 && strncmp(kv, "ref=", 4) == 0) {
			free(out->ref);
			out->ref = dm__strndup(kv + 4, n - 4);
			if (!out->ref) {
				rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
				goto done;
			}
		} else if (!(n >= 6 && strncmp(kv, "depth=", 6) == 0) && n > 0) {
			rc = dm__error(ctx, DM_EINVAL, "%s: unknown parameter '%.*s' (only ref= is supported)",
				       src, (int)n, kv);
			goto done;
		}
		q = end;
	}
	if (!out->ref)
		out->ref = dm__strdup("HEAD");
	out->shown = strip_password(out->repo);
	if (!out->ref || !out->shown) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
		goto done;
	}
	/* URL: scheme://, or scp-like user@host:path (a ':' before any '/') */
	if (strstr(out->repo, "://")) {
		out->remote = 1;
	} else {
		size_t c = strcspn(out->repo, ":/");

		out->remote = out->repo[c] == ':' && c > 0;
	}
done:
	if (rc < 0)
		dm__git_src_free(out);
	free(src);
	return rc;
}

/* ---- opening the repository ------------------------------------------------ */

int dm__git_cache_path(dm_ctx *ctx, const char *url, char **out)
{
	const char *cache = dm_ctx_cache_dir(ctx);
	char *shown = NULL;
	char hex[65];
	dm_buf b = DM_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!cache || !*cache)
		return dm__error(ctx, DM_EINVAL, "%s: no cache directory to clone into", url);
	shown = strip_password(url);
	if (!shown)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	dm__sha256_hex(shown, strlen(shown), hex);
	dm__buf_init(&b, 0);
	if (dm__buf_printf(&b, "%s/git/%s", cache, hex) != 0) {
		rc = dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	*out = dm__buf_detach(&b);
done:
	dm__buf_free(&b);
	free(shown);
	return rc;
}

typedef struct cred_state {
	int tries;
} cred_state;

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
		   unsigned int allowed, void *payload)
{
	cred_state *cs = payload;

	(void)url;
	if (++cs->tries > 1)
		return GIT_EUSER; /* the one way we know did not work: give up */
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
	if (allowed & GIT_CREDENTIAL_DEFAULT)
		return git_credential_default_new(out);
	return GIT_PASSTHROUGH;
}

/*
 * url.<base>.insteadOf rewriting (git config: repository, global, system),
 * the longest matching prefix wins, as git does. Done here rather than by
 * libgit2 because libgit2 1.5 leaks a pcre2 match block for every config
 * entry its insteadOf regex does not match (libgit2 PR #6382). CI systems
 * rely on insteadOf to inject tokens, so it must keep working.
 * Returns a new string (the URL itself when nothing matches); NULL on ENOMEM.
 */
static char *apply_insteadof(git_repository *repo, const char *url)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char *base = NULL, *out = NULL;
	size_t best = 0;
	dm_buf b = DM_BUF_INIT;

	if (git_repository_config_snapshot(&cfg, repo) == 0 && git_config_iterator_new(&it, cfg) == 0) {
		while (git_config_next(&e, it) == 0) {
			size_t nl = strlen(e->name), vl;

			if (!e->value || nl <= 14 || strncmp(e->name, "url.", 4) != 0 ||
			    strcmp(e->name + nl - 10, ".insteadof") != 0)
				continue;
			vl = strlen(e->value);
			if (vl == 0 || vl <= best || strncmp(url, e->value, vl) != 0)
				continue;
			free(base);
			base = dm__strndup(e->name + 4, nl - 14);
			best = base ? vl : 0;
		}
	}
	git_error_clear();
	dm__buf_init(&b, 0);
	if (base) {
		if (dm__buf_puts(&b, base) == 0 && dm__buf_puts(&b, url + best) == 0)
			out = dm__buf_detach(&b);
	} else {
		out = dm__strdup(url);
	}
	dm__buf_free(&b);
	free(base);
	git_config_iterator_free(it);
	git_config_free(cfg);
	return out;
}

/* Open (or create) the cache repository of a URL and fetch into it. */
static int open_remote(dm_ctx *ctx, const char *src, const dm__git_src *gs, git_repository **out)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_fetch_options fo;
	git_remote_create_options ro;
	git_buf def = GIT_BUF_INIT;
	char *dir = NULL, *url = NULL;
	char *refspecs[] = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
	git_strarray specs = {refspecs, 2};
	cred_state cs = {0};
	int rc;

	*out = NULL;
	rc = dm__git_cache_path(ctx, gs->repo, &dir);
	if (rc < 0)
		goto done;
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		rc = dm__mkdirs(ctx, dir);
		if (rc < 0)
			goto done;
		if (git_repository_init(&repo, dir, 1) != 0) {
			rc = dm__error(ctx, DM_EGIT, "%s: cannot create the cache repository %s: %s",
				       src, dir, git_msg());
			goto done;
		}
	}
	url = apply_insteadof(repo, gs->repo);
	if (!url) {
		rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", src);
		goto done;
	}
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	if (git_remote_create_with_opts(&remote, url, &ro) != 0) {
		rc = dm__error(ctx, DM_EGIT, "%s: bad repository URL %s: %s", src, gs->shown, git_msg());
		goto done;
	}
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = cred_cb;
	fo.callbacks.payload = &cs;
	fo.prune = GIT_FETCH_PRUNE;
	fo.update_fetchhead = 0;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_fetch(remote, &specs, &fo, "driftmap: fetch") != 0) {
		rc = dm__error(ctx, DM_EGIT, "%s: cannot fetch %s: %s", src, gs->shown, git_msg());
		goto done;
	}
	/* follow the origin's default branch for HEAD (the ref list outlives the connection) */
	if (git_remote_default_branch(&def, remote) == 0 && def.ptr)
		(void)git_repository_set_head(repo, def.ptr);
	git_error_clear();
	*out = repo;
	repo = NULL;
done:
	git_buf_dispose(&def);
	git_remote_free(remote);
	git_repository_free(repo);
	free(dir);
	free(url);
	return rc;
}

static int open_local(dm_ctx *ctx, const char *src, const dm__git_src *gs, git_repository **out)
{
	struct stat st;

	*out = NULL;
	if (stat(gs->repo, &st) != 0)
		return dm__error(ctx, DM_ENOTFOUND, "%s: repository '%s' does not exist", src, gs->repo);
	if (git_repository_open_ext(out, gs->repo, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		*out = NULL;
		return dm__error(ctx, DM_EGIT, "%s: '%s' is not a git repository", src, gs->repo);
	}
	return 0;
}

/* ---- reading blobs ------------------------------------------------------------- */

typedef struct git_job {
	dm_inventory *into;
	dm_ctx *ctx;
	const char *src;
	const dm__git_src *gs;
	git_repository *repo;
	char commit_hex[GIT_OID_HEXSZ + 1];
	size_t max;
} git_job;

static int load_blob(git_job *j, const char *path, const git_oid *oid)
{
	git_odb *odb = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	size_t size = 0;
	dm_buf uri = DM_BUF_INIT;
	int rc = 0;

	if (git_repository_odb(&odb, j->repo) != 0 || git_odb_read_header(&size, &type, odb, oid) != 0) {
		rc = dm__error(j->ctx, DM_EGIT, "%s: cannot read '%s': %s", j->src, path, git_msg());
		goto done;
	}
	if (size > j->max) {
		rc = dm__error(j->ctx, DM_ETOOBIG, "%s: '%s' is %zu bytes, over the state size limit of %zu bytes",
			       j->src, path, size, j->max);
		goto done;
	}
	if (git_blob_lookup(&blob, j->repo, oid) != 0) {
		rc = dm__error(j->ctx, DM_EGIT, "%s: cannot read '%s': %s", j->src, path, git_msg());
		goto done;
	}
	dm__buf_init(&uri, 0);
	if (dm__buf_printf(&uri, "git::%s//%s?ref=%s", j->gs->shown, path, j->gs->ref) != 0) {
		rc = dm__error(j->ctx, DM_ENOMEM, "%s: out of memory", j->src);
		goto done;
	}
	rc = dm_state_parse(j->into, j->ctx, (const char *)git_blob_rawcontent(blob),
			    (size_t)git_blob_rawsize(blob), uri.ptr, j->commit_hex);
done:
	dm__buf_free(&uri);
	git_blob_free(blob);
	git_odb_free(odb);
	return rc;
}

typedef struct tree_match {
	char *path;
	git_oid oid;
} tree_match;

typedef struct tree_walk {
	git_job *job;
	const char *pattern;
	const char *prefix; /* "" or "envs/" */
	int max_depth;
	tree_match *m;
	size_t n, cap;
	int err;
	dm_buf path;
} tree_walk;

static int tree_walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	tree_walk *w = payload;
	git_object_t t = git_tree_entry_type(entry);
	int depth = 0;
	const char *c;

	for (c = root; *c; c++)
		if (*c == '/')
			depth++;
	if (t == GIT_OBJECT_TREE)
		return depth + 1 > w->max_depth ? 1 : 0; /* 1: skip this subtree */
	if (t != GIT_OBJECT_BLOB)
		return 0;
	dm__buf_reset(&w->path);
	if (dm__buf_printf(&w->path, "%s%s%s", w->prefix, root, git_tree_entry_name(entry)) != 0) {
		w->err = dm__error(w->job->ctx, DM_ENOMEM, "%s: out of memory", w->job->src);
		return -1;
	}
	if (!dm__glob_match(w->pattern, w->path.ptr))
		return 0;
	if (w->n >= GIT_MAX_MATCHES) {
		w->err = dm__error(w->job->ctx, DM_ETOOBIG, "%s: more than %u files match", w->job->src,
				   GIT_MAX_MATCHES);
		return -1;
	}
	if (dm__grow((void **)&w->m, &w->cap, w->n + 1, sizeof(*w->m)) != 0) {
		w->err = dm__error(w->job->ctx, DM_ENOMEM, "%s: out of memory", w->job->src);
		return -1;
	}
	w->m[w->n].path = dm__buf_detach(&w->path);
	if (!w->m[w->n].path) {
		w->err = dm__error(w->job->ctx, DM_ENOMEM, "%s: out of memory", w->job->src);
		return -1;
	}
	git_oid_cpy(&w->m[w->n].oid, git_tree_entry_id(entry));
	w->n++;
	return 0;
}

static int cmp_match(const void *a, const void *b)
{
	return strcmp(((const tree_match *)a)->path, ((const tree_match *)b)->path);
}

static int load_tree_glob(git_job *j, git_tree *tree)
{
	tree_walk w;
	const char *pattern = j->gs->path;
	size_t meta = strcspn(pattern, "*?["), slash = 0, i;
	int has_slash = 0, rc = 0;
	git_tree_entry *te = NULL;
	git_tree *sub = NULL;
	char *prefix = NULL;
	const char *rest;

	memset(&w, 0, sizeof(w));
	w.job = j;
	w.pattern = pattern;
	dm__buf_init(&w.path, 1u << 16);
	for (i = 0; i < meta; i++)
		if (pattern[i] == '/') {
			slash = i;
			has_slash = 1;
		}
	prefix = dm__strndup(pattern, has_slash ? slash + 1 : 0);
	if (!prefix) {
		rc = dm__error(j->ctx, DM_ENOMEM, "%s: out of memory", j->src);
		goto done;
	}
	w.prefix = prefix;
	rest = pattern + (has_slash ? slash + 1 : 0);
	if (strstr(rest, "**")) {
		w.max_depth = 1 << 20;
	} else {
		for (w.max_depth = 0; *rest; rest++)
			if (*rest == '/')
				w.max_depth++;
	}
	if (has_slash) {
		prefix[slash] = '\0';
		if (git_tree_entry_bypath(&te, tree, prefix) != 0 ||
		    git_tree_entry_type(te) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, j->repo, git_tree_entry_id(te)) != 0) {
			git_error_clear();
			goto nomatch;
		}
		prefix[slash] = '/';
		tree = sub;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_walk_cb, &w) != 0) {
		rc = w.err < 0 ? w.err
			       : dm__error(j->ctx, DM_EGIT, "%s: cannot walk the tree: %s", j->src, git_msg());
		goto done;
	}
nomatch:
	if (w.n == 0) {
		rc = dm__error(j->ctx, DM_ENOTFOUND, "%s: no file matches '%s' at %s (commit %.12s)", j->src,
			       pattern, j->gs->ref, j->commit_hex);
		goto done;
	}
	qsort(w.m, w.n, sizeof(*w.m), cmp_match);
	for (i = 0; i < w.n; i++) {
		rc = load_blob(j, w.m[i].path, &w.m[i].oid);
		if (rc < 0)
			goto done;
	}
done:
	for (i = 0; i < w.n; i++)
		free(w.m[i].path);
	free(w.m);
	dm__buf_free(&w.path);
	git_tree_free(sub);
	git_tree_entry_free(te);
	free(prefix);
	return rc;
}

static int load_tree_path(git_job *j, git_tree *tree)
{
	git_tree_entry *te = NULL;
	int rc = 0;

	if (git_tree_entry_bypath(&te, tree, j->gs->path) != 0) {
		git_error_clear();
		return dm__error(j->ctx, DM_ENOTFOUND, "%s: path '%s' not found at %s (commit %.12s)", j->src,
				 j->gs->path, j->gs->ref, j->commit_hex);
	}
	switch (git_tree_entry_type(te)) {
	case GIT_OBJECT_BLOB:
		rc = load_blob(j, j->gs->path, git_tree_entry_id(te));
		break;
	case GIT_OBJECT_TREE:
		rc = dm__error(j->ctx, DM_EGIT,
			       "%s: '%s' is a directory, not a state file (a glob such as %s/**/*.tfstate reads every state in it)",
			       j->src, j->gs->path, j->gs->path);
		break;
	default:
		rc = dm__error(j->ctx, DM_EGIT, "%s: '%s' is not a file (submodule?)", j->src, j->gs->path);
		break;
	}
	git_tree_entry_free(te);
	return rc;
}

int dm__state_load_git(dm_inventory *into, dm_ctx *ctx, const char *src_in, size_t max_bytes)
{
	dm__git_src gs;
	git_job job;
	git_object *obj = NULL;
	git_object *cobj = NULL;
	git_tree *tree = NULL;
	char *src = NULL; /* src_in without URL password: for messages */
	int rc, grc;

	memset(&job, 0, sizeof(job));
	rc = dm__git_init(ctx);
	if (rc < 0)
		return rc;
	rc = dm__git_src_parse(ctx, src_in, &gs);
	if (rc < 0)
		return rc;
	src = strip_password(src_in);
	if (!src) {
		rc = dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	job.into = into;
	job.ctx = ctx;
	job.src = src;
	job.gs = &gs;
	job.max = max_bytes;

	rc = gs.remote ? open_remote(ctx, src, &gs, &job.repo) : open_local(ctx, src, &gs, &job.repo);
	if (rc < 0)
		goto done;
	grc = git_revparse_single(&obj, job.repo, gs.ref);
	if (grc == GIT_ENOTFOUND || grc == GIT_EINVALIDSPEC) {
		rc = dm__error(ctx, DM_ENOTFOUND, "%s: reference '%s' not found", src, gs.ref);
		goto done;
	}
	if (grc == GIT_EAMBIGUOUS) {
		rc = dm__error(ctx, DM_EGIT, "%s: reference '%s' is ambiguous", src, gs.ref);
		goto done;
	}
	if (grc != 0) {
		rc = dm__error(ctx, DM_EGIT, "%s: cannot resolve reference '%s': %s", src, gs.ref, git_msg());
		goto done;
	}
	if (git_object_peel(&cobj, obj, GIT_OBJECT_COMMIT) != 0) {
		rc = dm__error(ctx, DM_EGIT, "%s: reference '%s' does not name a commit", src, gs.ref);
		goto done;
	}
	git_oid_tostr(job.commit_hex, sizeof(job.commit_hex), git_object_id(cobj));
	if (git_commit_tree(&tree, (git_commit *)cobj) != 0) {
		rc = dm__error(ctx, DM_EGIT, "%s: cannot read the tree of commit %s: %s", src, job.commit_hex,
			       git_msg());
		goto done;
	}
	rc = dm__has_glob(gs.path) ? load_tree_glob(&job, tree) : load_tree_path(&job, tree);
done:
	git_tree_free(tree);
	git_object_free(cobj);
	git_object_free(obj);
	git_repository_free(job.repo);
	dm__git_src_free(&gs);
	free(src);
	return rc;
}
