/*
 * driftmap — source locations: find the `.tf` line declaring a state
 * resource (see source_locate.h). Git repositories are read through libgit2
 * straight from the object database at the state's commit; local state
 * paths use the filesystem. A light HCL scan (comments, strings with
 * template interpolation and heredocs understood) finds top-level
 * `resource "T" "N" {` and `module "M" {` blocks and a module's
 * `source = "..."`.
 */
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <git2.h>
#include "internal.h"
#include "source_locate.h"

#define TF_FILE_MAX (16u * 1024u * 1024u)
#define MODULE_DEPTH_MAX 32

/* ---- the HCL scan ---------------------------------------------------- */

enum tok_kind { T_EOF, T_IDENT, T_STRING, T_LBRACE, T_RBRACE, T_EQ, T_OTHER };

typedef struct lexer {
	const char *s;
	size_t len, pos;
	unsigned line;
} lexer;

typedef struct token {
	enum tok_kind kind;
	const char *start;  /* IDENT: the name; STRING: the content between quotes */
	size_t len;
	unsigned line;
} token;

static int is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void skip_string(lexer *lx, int depth);

/* Skip a template expression after "${" / "%{" up to its closing brace. */
static void skip_template(lexer *lx, int depth)
{
	int braces = 1;

	while (lx->pos < lx->len && braces > 0) {
		char c = lx->s[lx->pos];

		if (c == '\n')
			lx->line++;
		if (c == '"' && depth < 16) {
			lx->pos++;
			skip_string(lx, depth + 1);
			continue;
		}
		if (c == '{')
			braces++;
		else if (c == '}')
			braces--;
		lx->pos++;
	}
}

/* lx->pos is just after the opening quote; leave it after the closing one. */
static void skip_string(lexer *lx, int depth)
{
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (c == '\\' && lx->pos + 1 < lx->len) {
			lx->pos += 2;
			continue;
		}
		if (c == '"') {
			lx->pos++;
			return;
		}
		if (c == '\n') { /* unterminated: HCL strings are one line */
			return;
		}
		if ((c == '$' || c == '%') && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '{') {
			lx->pos += 2;
			skip_template(lx, depth);
			continue;
		}
		lx->pos++;
	}
}

/* Skip a heredoc body: lx->pos is after "<<" or "<<-". */
static void skip_heredoc(lexer *lx)
{
	const char *tag;
	size_t taglen = 0;

	if (lx->pos < lx->len && lx->s[lx->pos] == '-')
		lx->pos++;
	tag = lx->s + lx->pos;
	while (lx->pos < lx->len && is_ident((unsigned char)lx->s[lx->pos])) {
		lx->pos++;
		taglen++;
	}
	if (taglen == 0)
		return;
	/* to the end of the opening line */
	while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
		lx->pos++;
	while (lx->pos < lx->len) {
		size_t b, e;

		lx->pos++; /* the newline */
		lx->line++;
		b = lx->pos;
		while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
			lx->pos++;
		e = lx->pos;
		while (b < e && (lx->s[b] == ' ' || lx->s[b] == '\t'))
			b++;
		while (e > b && (lx->s[e - 1] == ' ' || lx->s[e - 1] == '\t' || lx->s[e - 1] == '\r'))
			e--;
		if (e - b == taglen && memcmp(lx->s + b, tag, taglen) == 0)
			return;
	}
}

static void next_token(lexer *lx, token *t)
{
	for (;;) {
		char c;

		if (lx->pos >= lx->len) {
			t->kind = T_EOF;
			t->line = lx->line;
			return;
		}
		c = lx->s[lx->pos];
		if (c == '\n') {
			lx->line++;
			lx->pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
			continue;
		}
		if (c == '#' || (c == '/' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '/')) {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
			continue;
		}
		if (c == '/' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '*') {
			lx->pos += 2;
			while (lx->pos < lx->len &&
			       !(lx->s[lx->pos] == '*' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '/')) {
				if (lx->s[lx->pos] == '\n')
					lx->line++;
				lx->pos++;
			}
			lx->pos = lx->pos + 2 <= lx->len ? lx->pos + 2 : lx->len;
			continue;
		}
		if (c == '<' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '<') {
			lx->pos += 2;
			skip_heredoc(lx);
			continue;
		}
		t->line = lx->line;
		if (c == '"') {
			lx->pos++;
			t->start = lx->s + lx->pos;
			skip_string(lx, 0);
			t->kind = T_STRING;
			t->len = (size_t)(lx->s + lx->pos - t->start);
			if (t->len && t->start[t->len - 1] == '"')
				t->len--;
			return;
		}
		if (is_ident((unsigned char)c)) {
			t->start = lx->s + lx->pos;
			while (lx->pos < lx->len && is_ident((unsigned char)lx->s[lx->pos]))
				lx->pos++;
			t->kind = T_IDENT;
			t->len = (size_t)(lx->s + lx->pos - t->start);
			return;
		}
		lx->pos++;
		t->start = lx->s + lx->pos - 1;
		t->len = 1;
		t->kind = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : c == '=' ? T_EQ : T_OTHER;
		return;
	}
}

static int tok_is(const token *t, enum tok_kind k, const char *word)
{
	return t->kind == k && (!word || (t->len == strlen(word) && memcmp(t->start, word, t->len) == 0));
}

/* A string token's text with the simple escapes (\" \\) decoded. */
static char *tok_str(const token *t)
{
	char *s = dm__calloc(t->len + 1, 1);
	size_t i, o = 0;

	if (!s)
		return NULL;
	for (i = 0; i < t->len; i++) {
		if (t->start[i] == '\\' && i + 1 < t->len)
			i++;
		s[o++] = t->start[i];
	}
	s[o] = '\0';
	return s;
}

void dm__hcl_decls_free(dm__hcl_decl *d, size_t n)
{
	size_t i;

	for (i = 0; d && i < n; i++) {
		free(d[i].a);
		free(d[i].b);
		free(d[i].source);
	}
	free(d);
}

int dm__hcl_scan(const char *text, size_t len, dm__hcl_decl **out, size_t *n)
{
	lexer lx = { text, len, 0, 1 };
	dm__hcl_decl *v = NULL;
	size_t nv = 0, cap = 0;
	long depth = 0;
	long module_open = -1; /* index of the module block we are inside, at depth 1 */
	token t, t2, t3, t4;
	int rc = 0;

	*out = NULL;
	*n = 0;
	next_token(&lx, &t);
	while (t.kind != T_EOF) {
		if (depth == 0 && (tok_is(&t, T_IDENT, "resource") || tok_is(&t, T_IDENT, "module"))) {
			int is_res = t.start[0] == 'r';
			lexer save = lx;

			next_token(&lx, &t2);
			if (t2.kind == T_STRING) {
				next_token(&lx, &t3);
				if (is_res && t3.kind == T_STRING)
					next_token(&lx, &t4);
				else
					t4 = t3;
				if (t4.kind == T_LBRACE && (!is_res || t3.kind == T_STRING)) {
					dm__hcl_decl *d;

					if (dm__grow((void **)&v, &cap, nv + 1, sizeof(*v)) < 0) {
						rc = DM_ENOMEM;
						goto done;
					}
					d = &v[nv];
					memset(d, 0, sizeof(*d));
					d->kind = is_res ? 'r' : 'm';
					d->line = t.line;
					d->a = tok_str(&t2);
					d->b = is_res ? tok_str(&t3) : NULL;
					nv++;
					if (!d->a || (is_res && !d->b)) {
						rc = DM_ENOMEM;
						goto done;
					}
					depth = 1;
					module_open = is_res ? -1 : (long)(nv - 1);
					next_token(&lx, &t);
					continue;
				}
			}
			lx = save; /* not a block header: rescan from the token after the keyword */
			next_token(&lx, &t);
			continue;
		}
		if (depth == 1 && module_open >= 0 && tok_is(&t, T_IDENT, "source")) {
			lexer save = lx;

			next_token(&lx, &t2);
			if (t2.kind == T_EQ) {
				next_token(&lx, &t3);
				if (t3.kind == T_STRING && !v[module_open].source) {
					v[module_open].source = tok_str(&t3);
					if (!v[module_open].source) {
						rc = DM_ENOMEM;
						goto done;
					}
				}
				next_token(&lx, &t);
				continue;
			}
			lx = save;
		}
		if (t.kind == T_LBRACE) {
			depth++;
		} else if (t.kind == T_RBRACE && depth > 0) {
			depth--;
			if (depth == 0)
				module_open = -1;
		}
		next_token(&lx, &t);
	}
done:
	if (rc < 0) {
		dm__hcl_decls_free(v, nv);
		return rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* ---- the locator ------------------------------------------------------ */

typedef struct loc_decl {
	dm__hcl_decl d;
	const char *file; /* arena */
} loc_decl;

typedef struct dir_scan {
	loc_decl *v;
	size_t n, cap;
} dir_scan;

typedef struct tree_entry {
	git_repository *repo; /* borrowed from the repos map */
	git_tree *tree;       /* NULL: could not be resolved */
} tree_entry;

struct dm__srcloc {
	dm_ctx *ctx;
	dm_arena *arena;
	dm_strmap *dirs;   /* "repo\x1f" "commit\x1f" "dir" -> dir_scan* */
	dm_strmap *repos;  /* repo path -> git_repository* (or the locator itself: failed) */
	dm_strmap *trees;  /* "repo\x1f" "spec" -> tree_entry* */
};

int dm__srcloc_new(dm__srcloc **out, dm_ctx *ctx)
{
	dm__srcloc *l = dm__calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return DM_ENOMEM;
	l->ctx = ctx;
	if (dm__arena_new(&l->arena) < 0 || dm__strmap_new(&l->dirs, 16) < 0 ||
	    dm__strmap_new(&l->repos, 4) < 0 || dm__strmap_new(&l->trees, 4) < 0) {
		dm__srcloc_free(l);
		return DM_ENOMEM;
	}
	*out = l;
	return 0;
}

void dm__srcloc_free(dm__srcloc *l)
{
	size_t it = 0, i;
	const char *key;
	void *val;

	if (!l)
		return;
	if (l->dirs) {
		while (dm__strmap_next(l->dirs, &it, &key, &val)) {
			dir_scan *ds = val;

			for (i = 0; ds && i < ds->n; i++) {
				free(ds->v[i].d.a);
				free(ds->v[i].d.b);
				free(ds->v[i].d.source);
			}
			if (ds)
				free(ds->v);
			free(ds);
		}
	}
	it = 0;
	if (l->trees) {
		while (dm__strmap_next(l->trees, &it, &key, &val)) {
			tree_entry *te = val;

			git_tree_free(te->tree);
			free(te);
		}
	}
	it = 0;
	if (l->repos) {
		while (dm__strmap_next(l->repos, &it, &key, &val)) {
			if (val != (void *)l)
				git_repository_free(val);
		}
	}
	dm__strmap_free(l->dirs);
	dm__strmap_free(l->trees);
	dm__strmap_free(l->repos);
	dm__arena_free(l->arena);
	free(l);
}

/* A parsed state URI. Strings point into the locator's arena. */
typedef struct state_ref {
	int git;
	const char *repo;  /* git: repository path */
	const char *spec;  /* git: commit or ref ("HEAD" by default) */
	const char *path;  /* git: repo-relative state path; local: the path */
} state_ref;

/* 1 parsed as git or local, 0 not locatable (s3, stdin, malformed), <0 ENOMEM. */
static int parse_uri(dm__srcloc *l, const char *uri, const char *commit, state_ref *out)
{
	const char *rest, *scheme, *sub, *q, *ref = NULL;
	size_t reflen = 0;

	memset(out, 0, sizeof(*out));
	if (!uri || !*uri || strcmp(uri, "-") == 0)
		return 0;
	if (strncmp(uri, "git::", 5) != 0) {
		if (strstr(uri, "://"))
			return 0; /* s3:// and friends: no configuration to look at */
		out->path = uri;
		return 1;
	}
	rest = uri + 5;
	scheme = strstr(rest, "://");
	if (strncmp(rest, "file://", 7) == 0) {
		rest += 7;
		scheme = NULL;
	} else if (scheme) {
		return 0; /* remote URL: only the state source knows its cache clone */
	}
	q = strchr(rest, '?');
	sub = strstr(rest, "//");
	if (!sub || (q && sub > q))
		return 0; /* no subpath: the state is at an unknown place */
	out->git = 1;
	out->repo = dm__arena_strndup(l->arena, rest, (size_t)(sub - rest));
	out->path = q ? dm__arena_strndup(l->arena, sub + 2, (size_t)(q - sub - 2))
		      : dm__arena_strdup(l->arena, sub + 2);
	if (q) {
		const char *p = q + 1;

		while (*p) {
			const char *amp = strchr(p, '&');
			size_t n = amp ? (size_t)(amp - p) : strlen(p);

			if (n > 4 && strncmp(p, "ref=", 4) == 0) {
				ref = p + 4;
				reflen = n - 4;
			}
			p += n;
			if (*p == '&')
				p++;
		}
	}
	if (commit && *commit)
		out->spec = dm__arena_strdup(l->arena, commit);
	else if (ref)
		out->spec = dm__arena_strndup(l->arena, ref, reflen);
	else
		out->spec = "HEAD";
	if (!out->repo || !out->path || !out->spec)
		return DM_ENOMEM;
	return 1;
}

/*
 * Normalise "a/b/../c/./d" into the arena. Returns NULL on ENOMEM, sets
 * *escapes when the result climbs above its start ("../x").
 */
static const char *norm_path(dm__srcloc *l, const char *p, int *escapes)
{
	dm_buf b = DM_BUF_INIT;
	const char *res = NULL;
	size_t *marks = NULL, nm = 0, cap = 0, lead = 0;
	int absolute = p[0] == '/';

	*escapes = 0;
	if (absolute && dm__buf_putc(&b, '/') < 0)
		goto done;
	while (*p) {
		const char *sl = strchr(p, '/');
		size_t n = sl ? (size_t)(sl - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nm > lead) {
				nm--;
				b.len = marks[nm];
				b.ptr[b.len] = '\0';
			} else if (!absolute) {
				*escapes = 1;
				if (dm__grow((void **)&marks, &cap, nm + 1, sizeof(*marks)) < 0)
					goto done;
				marks[nm++] = b.len;
				lead = nm;
				if ((b.len && b.ptr[b.len - 1] != '/' && dm__buf_putc(&b, '/') < 0) ||
				    dm__buf_puts(&b, "..") < 0)
					goto done;
			}
		} else {
			if (dm__grow((void **)&marks, &cap, nm + 1, sizeof(*marks)) < 0)
				goto done;
			marks[nm++] = b.len;
			if ((b.len && b.ptr[b.len - 1] != '/' && dm__buf_putc(&b, '/') < 0) ||
			    dm__buf_put(&b, p, n) < 0)
				goto done;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	res = dm__arena_strdup(l->arena, b.ptr ? b.ptr : "");
done:
	free(marks);
	dm__buf_free(&b);
	return res;
}

static const char *dir_of(dm__srcloc *l, const char *path)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		return "";
	if (sl == path)
		return "/";
	return dm__arena_strndup(l->arena, path, (size_t)(sl - path));
}

static const char *join(dm__srcloc *l, const char *dir, const char *name)
{
	dm_buf b = DM_BUF_INIT;
	const char *res = NULL;

	if (!*dir)
		return dm__arena_strdup(l->arena, name);
	if (dm__buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) == 0)
		res = dm__arena_strdup(l->arena, b.ptr);
	dm__buf_free(&b);
	return res;
}

static int add_decls(dm__srcloc *l, dir_scan *ds, const char *file, const char *text, size_t len)
{
	dm__hcl_decl *d = NULL;
	size_t n = 0, i;
	int rc = dm__hcl_scan(text, len, &d, &n);

	if (rc < 0)
		return rc;
	if (n && dm__grow((void **)&ds->v, &ds->cap, ds->n + n, sizeof(*ds->v)) < 0) {
		dm__hcl_decls_free(d, n);
		return DM_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ds->v[ds->n].d = d[i];
		ds->v[ds->n].file = file;
		ds->n++;
	}
	free(d); /* the strings moved into ds */
	(void)l;
	return 0;
}

static int ends_with_tf(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".tf") == 0;
}

static git_repository *repo_get(dm__srcloc *l, const char *path)
{
	void *v = dm__strmap_get(l->repos, path);
	git_repository *repo = NULL;

	if (v)
		return v == (void *)l ? NULL : v;
	if (dm__git_init(l->ctx) < 0 ||
	    git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		repo = NULL;
	if (dm__strmap_put(l->repos, path, repo ? (void *)repo : (void *)l) < 0) {
		git_repository_free(repo);
		return NULL;
	}
	return repo;
}

static git_tree *tree_get(dm__srcloc *l, const state_ref *sr)
{
	dm_buf key = DM_BUF_INIT;
	tree_entry *te = NULL;
	git_object *obj = NULL, *peeled = NULL;
	const char *k;

	if (dm__buf_printf(&key, "%s\x1f%s", sr->repo, sr->spec) < 0)
		goto done;
	te = dm__strmap_get(l->trees, key.ptr);
	if (te)
		goto done;
	k = dm__arena_strdup(l->arena, key.ptr);
	te = dm__calloc(1, sizeof(*te));
	if (!k || !te)
		goto fail;
	te->repo = repo_get(l, sr->repo);
	if (te->repo && git_revparse_single(&obj, te->repo, sr->spec) == 0 &&
	    git_object_peel(&peeled, obj, GIT_OBJECT_TREE) == 0)
		te->tree = (git_tree *)peeled;
	git_object_free(obj);
	if (dm__strmap_put(l->trees, k, te) < 0)
		goto fail;
	goto done;
fail:
	if (te)
		git_tree_free(te->tree);
	free(te);
	te = NULL;
done:
	dm__buf_free(&key);
	return te ? te->tree : NULL;
}

static int scan_git_dir(dm__srcloc *l, const state_ref *sr, const char *dir, dir_scan *ds)
{
	git_tree *root = tree_get(l, sr), *sub = NULL;
	git_tree_entry *e = NULL;
	const git_tree *t;
	size_t i, n;
	int rc = 0;

	if (!root)
		return 0;
	if (*dir) {
		if (git_tree_entry_bypath(&e, root, dir) < 0 ||
		    git_tree_entry_type(e) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, git_tree_owner(root), git_tree_entry_id(e)) < 0)
			goto done;
		t = sub;
	} else {
		t = root;
	}
	n = git_tree_entrycount(t);
	for (i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(t, i);
		git_blob *blob = NULL;
		const char *file;

		if (git_tree_entry_type(te) != GIT_OBJECT_BLOB || !ends_with_tf(git_tree_entry_name(te)))
			continue;
		if (git_blob_lookup(&blob, git_tree_owner(root), git_tree_entry_id(te)) < 0)
			continue;
		if (git_blob_rawsize(blob) <= TF_FILE_MAX) {
			file = join(l, dir, git_tree_entry_name(te));
			rc = file ? add_decls(l, ds, file, git_blob_rawcontent(blob),
					      (size_t)git_blob_rawsize(blob))
				  : DM_ENOMEM;
		}
		git_blob_free(blob);
	}
done:
	git_tree_entry_free(e);
	git_tree_free(sub);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a small regular file without touching the context's error. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	dm_buf b = DM_BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f)
		return NULL;
	dm__buf_init(&b, TF_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (dm__buf_put(&b, chunk, n) < 0) {
			dm__buf_free(&b);
			fclose(f);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return dm__buf_detach(&b);
}

static int scan_fs_dir(dm__srcloc *l, const char *dir, dir_scan *ds)
{
	DIR *dh = opendir(*dir ? dir : ".");
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, cap = 0, i;
	int rc = 0;

	if (!dh)
		return 0;
	while ((de = readdir(dh)) != NULL) {
		if (!ends_with_tf(de->d_name))
			continue;
		if (dm__grow((void **)&names, &cap, nn + 1, sizeof(*names)) < 0) {
			rc = DM_ENOMEM;
			goto done;
		}
		names[nn] = dm__strdup(de->d_name);
		if (!names[nn]) {
			rc = DM_ENOMEM;
			goto done;
		}
		nn++;
	}
	if (nn)
		qsort(names, nn, sizeof(*names), name_cmp);
	for (i = 0; i < nn && rc == 0; i++) {
		const char *file = join(l, dir, names[i]);
		struct stat st;
		char *text;
		size_t len = 0;

		if (!file) {
			rc = DM_ENOMEM;
			break;
		}
		if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		text = slurp(file, &len);
		if (text)
			rc = add_decls(l, ds, file, text, len);
		free(text);
	}
done:
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	closedir(dh);
	return rc;
}

/* The cached declarations of one directory (never NULL unless ENOMEM). */
static dir_scan *dir_get(dm__srcloc *l, const state_ref *sr, const char *dir)
{
	dm_buf key = DM_BUF_INIT;
	dir_scan *ds = NULL;
	const char *k;

	if (dm__buf_printf(&key, "%s\x1f%s\x1f%s", sr->git ? sr->repo : "\x01local",
			   sr->git ? sr->spec : "", dir) < 0)
		goto done;
	ds = dm__strmap_get(l->dirs, key.ptr);
	if (ds)
		goto done;
	k = dm__arena_strdup(l->arena, key.ptr);
	ds = dm__calloc(1, sizeof(*ds));
	if (!k || !ds || dm__strmap_put(l->dirs, k, ds) < 0) {
		free(ds);
		ds = NULL;
		goto done;
	}
	/* a scan that fails half way keeps what it found; ENOMEM is rare enough */
	if (sr->git)
		(void)scan_git_dir(l, sr, dir, ds);
	else
		(void)scan_fs_dir(l, dir, ds);
done:
	dm__buf_free(&key);
	return ds;
}

/*
 * Split an address into module names and the resource name. Index keys
 * (`[0]`, `["a.b"]`) are dropped. Returns the number of module names
 * (written to mods, arena strings) or -1 when the address is not a managed
 * resource address; *name gets the resource name.
 */
static int split_address(dm__srcloc *l, const char *addr, const char **mods, int maxmods,
			 const char **rtype, const char **name)
{
	const char *parts[2 * MODULE_DEPTH_MAX + 2];
	int np = 0, i, nm = 0;
	const char *p = addr;

	while (*p) {
		const char *s = p;
		size_t n;

		while (*p && *p != '.' && *p != '[')
			p++;
		n = (size_t)(p - s);
		/* skip index keys, honouring quotes (keys may hold dots and brackets) */
		while (*p == '[') {
			int inq = 0;

			p++;
			while (*p && (inq || *p != ']')) {
				if (*p == '\\' && inq && p[1])
					p++;
				else if (*p == '"')
					inq = !inq;
				p++;
			}
			if (*p == ']')
				p++;
		}
		if (np >= (int)(sizeof(parts) / sizeof(parts[0])) || n == 0)
			return -1;
		parts[np] = dm__arena_strndup(l->arena, s, n);
		if (!parts[np])
			return -1;
		np++;
		if (*p == '.')
			p++;
		else if (*p)
			return -1;
	}
	if (np < 2 || np % 2 != 0)
		return -1;
	for (i = 0; i + 2 < np; i += 2) {
		if (strcmp(parts[i], "module") != 0 || nm >= maxmods)
			return -1;
		mods[nm++] = parts[i + 1];
	}
	if (strcmp(parts[np - 2], "data") == 0)
		return -1;
	*rtype = parts[np - 2];
	*name = parts[np - 1];
	return nm;
}

static int is_local_source(const char *src)
{
	return strcmp(src, ".") == 0 || strcmp(src, "..") == 0 || strncmp(src, "./", 2) == 0 ||
	       strncmp(src, "../", 3) == 0;
}

int dm__srcloc_find(dm__srcloc *l, const char *state_uri, const char *commit,
		    const char *type, const char *address,
		    const char **file, unsigned *line)
{
	state_ref sr;
	const char *mods[MODULE_DEPTH_MAX], *rtype = NULL, *name = NULL, *dir, *call_file = NULL;
	unsigned call_line = 0;
	int nm, i, rc;
	size_t k;

	*file = NULL;
	*line = 0;
	rc = parse_uri(l, state_uri, commit, &sr);
	if (rc <= 0)
		return rc < 0 ? rc : 0;
	*file = sr.path;
	if (!address)
		return 0;
	nm = split_address(l, address, mods, MODULE_DEPTH_MAX, &rtype, &name);
	if (nm < 0)
		return 0;
	if (type && *type)
		rtype = type;
	dir = dir_of(l, sr.path);
	if (!dir)
		return DM_ENOMEM;
	for (i = 0; i < nm; i++) {
		dir_scan *ds = dir_get(l, &sr, dir);
		const loc_decl *call = NULL;
		int escapes = 0;

		if (!ds)
			return DM_ENOMEM;
		for (k = 0; k < ds->n; k++) {
			if (ds->v[k].d.kind == 'm' && strcmp(ds->v[k].d.a, mods[i]) == 0) {
				call = &ds->v[k];
				break;
			}
		}
		if (!call)
			goto fallback;
		call_file = call->file;
		call_line = call->d.line;
		if (!call->d.source || !is_local_source(call->d.source))
			goto fallback;
		dir = join(l, dir, call->d.source);
		if (!dir)
			return DM_ENOMEM;
		dir = norm_path(l, dir, &escapes);
		if (!dir)
			return DM_ENOMEM;
		if (sr.git && escapes)
			goto fallback; /* a module outside the repository */
	}
	{
		dir_scan *ds = dir_get(l, &sr, dir);

		if (!ds)
			return DM_ENOMEM;
		for (k = 0; k < ds->n; k++) {
			const dm__hcl_decl *d = &ds->v[k].d;

			if (d->kind == 'r' && strcmp(d->a, rtype) == 0 && strcmp(d->b, name) == 0) {
				*file = ds->v[k].file;
				*line = d->line;
				return 1;
			}
		}
	}
fallback:
	if (call_file) {
		*file = call_file;
		*line = call_line;
		return 2;
	}
	return 0;
}
