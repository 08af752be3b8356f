/*
 * The AWS SDK credential chain, profiles, regions and endpoint URLs.
 * See aws_creds.h for the order. No global state: the parsed profile files
 * live in a struct on the stack of aws_session_resolve(). Secrets are
 * zeroed before they are freed and never appear in error messages.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include "providers/aws/aws_creds.h"
#include "providers/aws/aws_sts.h"

#define PROFILE_FILE_MAX ((size_t)4 * 1024 * 1024)
#define PROCESS_OUT_MAX ((size_t)64 * 1024)
#define TOKEN_FILE_MAX ((size_t)64 * 1024)
#define MAX_CHAIN 8

/* ---- small helpers ------------------------------------------------------- */

static void secret_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void aws_creds_clear(aws_creds *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	secret_free(c->secret_access_key);
	secret_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

int aws_creds_copy(aws_creds *out, const aws_creds *in)
{
	memset(out, 0, sizeof(*out));
	out->access_key_id = dm__strdup(in->access_key_id);
	out->secret_access_key = dm__strdup(in->secret_access_key);
	out->session_token = dm__strdup(in->session_token);
	out->expires_at = in->expires_at;
	if ((in->access_key_id && !out->access_key_id) ||
	    (in->secret_access_key && !out->secret_access_key) ||
	    (in->session_token && !out->session_token)) {
		aws_creds_clear(out);
		return DM_ENOMEM;
	}
	return 0;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return dm__strndup(s, n);
}

/* ---- profile files -------------------------------------------------------- */

typedef struct ini_entry {
	char *section; /* profile name */
	char *key;
	char *value;
} ini_entry;

typedef struct ini {
	ini_entry *e;
	size_t n, cap;
} ini;

typedef struct profiles {
	ini creds;  /* ~/.aws/credentials */
	ini config; /* ~/.aws/config */
	int have_creds, have_config;
} profiles;

static void ini_free(ini *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].section);
		free(f->e[i].key);
		secret_free(f->e[i].value);
	}
	free(f->e);
	memset(f, 0, sizeof(*f));
}

/*
 * Parse an AWS profile file. In the config file sections are "[default]"
 * or "[profile NAME]" (other kinds, e.g. sso-session, are skipped); in the
 * credentials file "[NAME]". Nested sub-sections (indented lines after
 * "key =") are skipped. Comments start with '#' or ';'.
 */
static int ini_parse(ini *f, const char *text, int is_config)
{
	const char *p = text;
	char *section = NULL;
	int rc = 0;

	while (*p && rc == 0) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p, *eq;
		size_t l = len;

		p = eol ? eol + 1 : p + len;
		if (l > 0 && (line[0] == ' ' || line[0] == '\t'))
			continue; /* sub-property: not used here */
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			l--;
		if (l == 0 || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			char *name;

			free(section);
			section = NULL;
			if (line[l - 1] != ']')
				continue;
			name = trim_dup(line + 1, l - 2);
			if (!name) {
				rc = DM_ENOMEM;
				break;
			}
			if (!is_config || strcmp(name, "default") == 0) {
				section = name;
			} else if (strncmp(name, "profile", 7) == 0 &&
				   (name[7] == ' ' || name[7] == '\t')) {
				section = trim_dup(name + 8, strlen(name + 8));
				free(name);
				if (!section)
					rc = DM_ENOMEM;
			} else {
				free(name);
			}
			continue;
		}
		eq = memchr(line, '=', l);
		if (!section || !eq)
			continue;
		rc = dm__grow((void **)&f->e, &f->cap, f->n + 1, sizeof(*f->e));
		if (rc < 0)
			break;
		f->e[f->n].section = dm__strdup(section);
		f->e[f->n].key = trim_dup(line, (size_t)(eq - line));
		f->e[f->n].value = trim_dup(eq + 1, l - (size_t)(eq - line) - 1);
		f->n++;
		if (!f->e[f->n - 1].section || !f->e[f->n - 1].key || !f->e[f->n - 1].value)
			rc = DM_ENOMEM;
		else
			for (char *k = f->e[f->n - 1].key; *k; k++)
				if (*k >= 'A' && *k <= 'Z')
					*k = (char)(*k - 'A' + 'a');
	}
	free(section);
	return rc;
}

static char *home_path(const char *rel)
{
	const char *home = getenv("HOME");
	dm_buf b = DM_BUF_INIT;

	if (!home || !*home)
		return NULL;
	if (dm__buf_printf(&b, "%s/%s", home, rel) < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

static char *expand_tilde(const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return home_path(path[1] ? path + 2 : "");
	return dm__strdup(path);
}

static int load_one(dm_ctx *ctx, ini *f, int *have, const char *env, const char *def, int is_config)
{
	const char *e = env_nonempty(env);
	char *path = e ? expand_tilde(e) : home_path(def);
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc = 0;

	if (!path)
		return 0; /* no HOME: no profile files */
	fp = fopen(path, "rb");
	if (!fp)
		goto done; /* a missing file is normal */
	rc = dm__read_stream(ctx, fp, path, PROFILE_FILE_MAX, &text, &len);
	fclose(fp);
	if (rc < 0)
		goto done;
	rc = ini_parse(f, text, is_config);
	if (rc < 0)
		dm__error(ctx, rc, "aws: out of memory reading %s", path);
	else
		*have = 1;
done:
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	free(path);
	return rc;
}

static int profiles_load(dm_ctx *ctx, profiles *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	rc = load_one(ctx, &p->creds, &p->have_creds, "AWS_SHARED_CREDENTIALS_FILE",
		      ".aws/credentials", 0);
	if (rc == 0)
		rc = load_one(ctx, &p->config, &p->have_config, "AWS_CONFIG_FILE", ".aws/config", 1);
	return rc;
}

static void profiles_free(profiles *p)
{
	ini_free(&p->creds);
	ini_free(&p->config);
}

static const char *ini_get(const ini *f, const char *section, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < f->n; i++) { /* the last assignment wins */
		if (strcmp(f->e[i].section, section) == 0 && strcmp(f->e[i].key, key) == 0)
			v = f->e[i].value;
	}
	return v;
}

static int ini_has_section(const ini *f, const char *section)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->e[i].section, section) == 0)
			return 1;
	}
	return 0;
}

/* credentials file first, then config */
static const char *prof_get(const profiles *p, const char *profile, const char *key)
{
	const char *v = ini_get(&p->creds, profile, key);

	if (!v)
		v = ini_get(&p->config, profile, key);
	return v && *v ? v : NULL;
}

static int prof_exists(const profiles *p, const char *profile)
{
	return ini_has_section(&p->creds, profile) || ini_has_section(&p->config, profile);
}

/* ---- regions and endpoints ---------------------------------------------------- */

int aws_region_resolve(char **out, dm_ctx *ctx, const char *explicit_region, const char *profile)
{
	profiles p;
	const char *r = explicit_region && *explicit_region ? explicit_region : NULL;
	int rc = 0;

	*out = NULL;
	if (!r)
		r = env_nonempty("AWS_REGION");
	if (!r)
		r = env_nonempty("AWS_DEFAULT_REGION");
	if (r) {
		*out = dm__strdup(r);
		return *out ? 0 : dm__error(ctx, DM_ENOMEM, "aws: out of memory");
	}
	if (!profile || !*profile)
		profile = env_nonempty("AWS_PROFILE");
	if (!profile)
		profile = "default";
	rc = profiles_load(ctx, &p);
	if (rc == 0) {
		r = prof_get(&p, profile, "region");
		if (r) {
			*out = dm__strdup(r);
			if (!*out)
				rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		}
	}
	profiles_free(&p);
	return rc;
}

char *aws_endpoint_url(const char *service, const char *region)
{
	char name[96];
	const char *v = NULL, *ign = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	dm_buf b = DM_BUF_INIT;
	size_t j;
	int rc;

	if (!service)
		return NULL;
	if (!region || !*region)
		region = "us-east-1";
	if (!(ign && strcasecmp(ign, "true") == 0)) {
		j = (size_t)snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_");
		for (const char *s = service; *s && j + 1 < sizeof(name); s++) {
			char c = *s;

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (c == ' ' || c == '-')
				c = '_';
			name[j++] = c;
		}
		name[j] = '\0';
		v = env_nonempty(name);
		if (!v)
			v = env_nonempty("AWS_ENDPOINT_URL");
	}
	if (v) {
		size_t n = strlen(v);

		while (n > 0 && v[n - 1] == '/')
			n--;
		return dm__strndup(v, n);
	}
	{
		int cn = strncmp(region, "cn-", 3) == 0;
		const char *suffix = cn ? "amazonaws.com.cn" : "amazonaws.com";

		if (strcmp(service, "iam") == 0 && !cn)
			rc = dm__buf_puts(&b, "https://iam.amazonaws.com");
		else if (strcmp(service, "iam") == 0)
			rc = dm__buf_puts(&b, "https://iam.cn-north-1.amazonaws.com.cn");
		else
			rc = dm__buf_printf(&b, "https://%s.%s.%s", service, region, suffix);
	}
	if (rc < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

/* ---- credential_process ----------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int run_credential_process(dm_ctx *ctx, const char *profile, const char *cmd, aws_creds *out)
{
	dm_buf b = DM_BUF_INIT;
	char chunk[4096];
	json_t *root = NULL;
	json_error_t jerr;
	FILE *fp = NULL;
	size_t n;
	int rc = 0, status;

	memset(out, 0, sizeof(*out));
	dm__buf_init(&b, PROCESS_OUT_MAX);
	fflush(NULL);
	fp = popen(cmd, "r");
	if (!fp)
		return dm__error(ctx, DM_EAUTH, "aws: profile '%s': cannot run credential_process",
				 profile);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && rc == 0)
		rc = dm__buf_put(&b, chunk, n);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	status = pclose(fp);
	if (rc < 0) {
		rc = dm__error(ctx, rc == DM_ETOOBIG ? DM_ETOOBIG : DM_ENOMEM,
			       "aws: profile '%s': credential_process output exceeds %zu bytes",
			       profile, PROCESS_OUT_MAX);
		goto done;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = dm__error(ctx, DM_EAUTH, "aws: profile '%s': credential_process failed (exit status %d)",
			       profile, status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status));
		goto done;
	}
	root = json_loadb(b.ptr ? b.ptr : "", b.len, 0, &jerr);
	if (!json_is_object(root) || !json_is_integer(json_object_get(root, "Version")) ||
	    json_integer_value(json_object_get(root, "Version")) != 1 ||
	    !jstr(root, "AccessKeyId") || !jstr(root, "SecretAccessKey")) {
		/* never echo the output: it holds secrets */
		rc = dm__error(ctx, DM_EPARSE,
			       "aws: profile '%s': credential_process output is not a Version 1 "
			       "credentials JSON object",
			       profile);
		goto done;
	}
	out->access_key_id = dm__strdup(jstr(root, "AccessKeyId"));
	out->secret_access_key = dm__strdup(jstr(root, "SecretAccessKey"));
	out->session_token = dm__strdup(jstr(root, "SessionToken"));
	if (jstr(root, "Expiration")) {
		out->expires_at = aws_parse_iso8601(jstr(root, "Expiration"));
		if (out->expires_at < 0) {
			rc = dm__error(ctx, DM_EPARSE,
				       "aws: profile '%s': credential_process Expiration is not ISO 8601",
				       profile);
			goto done;
		}
	}
	if (!out->access_key_id || !out->secret_access_key ||
	    (jstr(root, "SessionToken") && !out->session_token)) {
		rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		goto done;
	}
done:
	if (root) {
		/* jansson keeps its own copies of the strings: wipe them */
		const char *keys[] = { "SecretAccessKey", "SessionToken" };

		for (size_t i = 0; i < 2; i++) {
			json_t *v = json_object_get(root, keys[i]);

			if (json_is_string(v))
				OPENSSL_cleanse((void *)json_string_value(v), json_string_length(v));
		}
		json_decref(root);
	}
	if (b.ptr)
		OPENSSL_cleanse(b.ptr, b.len);
	dm__buf_free(&b);
	if (rc < 0)
		aws_creds_clear(out);
	return rc;
}

/* ---- web identity ------------------------------------------------------------ */

static int web_identity(dm_ctx *ctx, aws_client *cl, const char *region, const char *token_file,
			const char *role_arn, const char *session_name, aws_creds *out)
{
	char *tok = NULL, *path = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!cl)
		return dm__error(ctx, DM_EAUTH, "aws: web identity for %s needs STS (no HTTP client)",
				 role_arn);
	path = expand_tilde(token_file);
	if (!path)
		return dm__error(ctx, DM_ENOMEM, "aws: out of memory");
	rc = dm__read_file(ctx, path, TOKEN_FILE_MAX, &tok, &len);
	if (rc < 0) {
		rc = dm__error(ctx, DM_EAUTH, "aws: cannot read the web identity token file %s", path);
		goto done;
	}
	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
		tok[--len] = '\0';
	if (len == 0) {
		rc = dm__error(ctx, DM_EAUTH, "aws: the web identity token file %s is empty", path);
		goto done;
	}
	rc = aws_sts_assume_role_with_web_identity(cl, region, role_arn, session_name, tok, out);
	if (rc < 0 && rc != DM_EAUTH)
		rc = DM_EAUTH;
done:
	if (tok) {
		OPENSSL_cleanse(tok, len);
		free(tok);
	}
	free(path);
	return rc;
}

/* ---- the profile chain ---------------------------------------------------------- */

static int env_static(aws_creds *out)
{
	const char *ak = env_nonempty("AWS_ACCESS_KEY_ID"), *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
	aws_creds tmp;

	if (!ak || !sk)
		return 1; /* not configured */
	memset(&tmp, 0, sizeof(tmp));
	tmp.access_key_id = (char *)ak;
	tmp.secret_access_key = (char *)sk;
	tmp.session_token = (char *)env_nonempty("AWS_SESSION_TOKEN");
	return aws_creds_copy(out, &tmp);
}

static int resolve_profile(dm_ctx *ctx, const profiles *p, aws_client *cl, const char *region,
			   const char *profile, const char **chain, size_t depth, aws_creds *out,
			   dm_buf *src)
{
	const char *role = prof_get(p, profile, "role_arn");
	const char *ak = prof_get(p, profile, "aws_access_key_id");
	const char *sk = prof_get(p, profile, "aws_secret_access_key");
	const char *proc = prof_get(p, profile, "credential_process");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!prof_exists(p, profile))
		return dm__error(ctx, DM_ENOTFOUND,
				 "aws: profile '%s' not found in the shared credentials or config file",
				 profile);
	for (size_t i = 0; i < depth; i++) {
		if (strcmp(chain[i], profile) == 0)
			return dm__error(ctx, DM_EINVAL, "aws: profile '%s': source_profile loop",
					 profile);
	}
	if (depth >= MAX_CHAIN)
		return dm__error(ctx, DM_EINVAL, "aws: profile '%s': role chain deeper than %d",
				 profile, MAX_CHAIN);
	chain[depth] = profile;

	if (role) {
		const char *srcp = prof_get(p, profile, "source_profile");
		const char *csrc = prof_get(p, profile, "credential_source");
		const char *wif = prof_get(p, profile, "web_identity_token_file");
		const char *sess = prof_get(p, profile, "role_session_name");
		const char *ext = prof_get(p, profile, "external_id");
		const char *durs = prof_get(p, profile, "duration_seconds");
		long long dur = 0;
		aws_creds base;

		memset(&base, 0, sizeof(base));
		if (durs && (dm__parse_ll(durs, &dur) < 0 || dur < 0 || dur > 43200))
			return dm__error(ctx, DM_EINVAL, "aws: profile '%s': bad duration_seconds",
					 profile);
		if (wif) {
			rc = web_identity(ctx, cl, region, wif, role, sess, out);
			if (rc < 0)
				return rc;
			dm__buf_reset(src);
			return dm__buf_printf(src, "profile %s (web identity)", profile);
		}
		if (srcp && strcmp(srcp, profile) == 0) {
			/* a profile that is its own source uses its static keys */
			if (!ak || !sk)
				return dm__error(ctx, DM_EAUTH,
						 "aws: profile '%s' is its own source_profile but has no keys",
						 profile);
			base.access_key_id = dm__strdup(ak);
			base.secret_access_key = dm__strdup(sk);
			base.session_token = dm__strdup(prof_get(p, profile, "aws_session_token"));
			if (!base.access_key_id || !base.secret_access_key) {
				aws_creds_clear(&base);
				return dm__error(ctx, DM_ENOMEM, "aws: out of memory");
			}
		} else if (srcp) {
			rc = resolve_profile(ctx, p, cl, region, srcp, chain, depth + 1, &base, src);
			if (rc < 0)
				return rc;
		} else if (csrc && strcmp(csrc, "Environment") == 0) {
			rc = env_static(&base);
			if (rc != 0)
				return rc < 0 ? dm__error(ctx, rc, "aws: out of memory")
					      : dm__error(ctx, DM_EAUTH,
							  "aws: profile '%s': credential_source=Environment "
							  "but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
							  profile);
		} else {
			return dm__error(ctx, DM_EAUTH,
					 "aws: profile '%s' has role_arn but no source_profile, "
					 "credential_source or web_identity_token_file",
					 profile);
		}
		if (!cl) {
			aws_creds_clear(&base);
			return dm__error(ctx, DM_EAUTH, "aws: profile '%s': AssumeRole needs STS (no HTTP client)",
					 profile);
		}
		rc = aws_sts_assume_role(cl, &base, region, role, sess, ext, (long)dur, out);
		aws_creds_clear(&base);
		if (rc < 0)
			return DM_EAUTH;
		dm__buf_reset(src);
		dm__buf_printf(src, "profile %s (assume role)", profile);
		return 0;
	}
	if (ak && sk) {
		out->access_key_id = dm__strdup(ak);
		out->secret_access_key = dm__strdup(sk);
		out->session_token = dm__strdup(prof_get(p, profile, "aws_session_token"));
		if (!out->access_key_id || !out->secret_access_key) {
			aws_creds_clear(out);
			return dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		}
		dm__buf_reset(src);
		dm__buf_printf(src, "profile %s", profile);
		return 0;
	}
	if (proc) {
		rc = run_credential_process(ctx, profile, proc, out);
		if (rc < 0)
			return rc;
		dm__buf_reset(src);
		dm__buf_printf(src, "profile %s (credential_process)", profile);
		return 0;
	}
	return dm__error(ctx, DM_EAUTH,
			 "aws: profile '%s' has no credentials (keys, role_arn or credential_process)",
			 profile);
}

void aws_session_free(aws_session *s)
{
	if (!s)
		return;
	aws_creds_clear(&s->creds);
	free(s->region);
	free(s->profile);
	free(s->source);
	memset(s, 0, sizeof(*s));
}

int aws_session_resolve(aws_session *out, dm_ctx *ctx, const aws_session_opts *opts)
{
	const char *explicit_profile = opts && opts->profile && *opts->profile ? opts->profile : NULL;
	const char *profile = explicit_profile;
	aws_client *cl = opts ? opts->client : NULL;
	const char *chain[MAX_CHAIN + 1];
	dm_buf src = DM_BUF_INIT;
	profiles p;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (!profile)
		profile = env_nonempty("AWS_PROFILE");
	rc = aws_region_resolve(&out->region, ctx, opts ? opts->region : NULL, profile);
	if (rc < 0)
		goto done;

	if (!explicit_profile) {
		const char *wif = env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE");
		const char *role = env_nonempty("AWS_ROLE_ARN");

		rc = env_static(&out->creds);
		if (rc < 0) {
			rc = dm__error(ctx, rc, "aws: out of memory");
			goto done;
		}
		if (rc == 0) {
			dm__buf_puts(&src, "env");
			goto found;
		}
		if (wif && role) {
			rc = web_identity(ctx, cl, out->region, wif, role,
					  env_nonempty("AWS_ROLE_SESSION_NAME"), &out->creds);
			if (rc < 0)
				goto done;
			dm__buf_puts(&src, "web identity");
			goto found;
		}
	}
	if (!profile)
		profile = "default";
	rc = profiles_load(ctx, &p);
	if (rc < 0)
		goto done;
	if (!explicit_profile && !env_nonempty("AWS_PROFILE") && !prof_exists(&p, profile)) {
		rc = dm__error(ctx, DM_EAUTH,
			       "aws: no credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
			       "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or a profile in "
			       "~/.aws/credentials or ~/.aws/config)");
		goto done;
	}
	rc = resolve_profile(ctx, &p, cl, out->region, profile, chain, 0, &out->creds, &src);
	if (rc < 0)
		goto done;
	out->profile = dm__strdup(profile);
	if (!out->profile) {
		rc = dm__error(ctx, DM_ENOMEM, "aws: out of memory");
		goto done;
	}
found:
	out->source = dm__buf_detach(&src);
	rc = 0;
done:
	dm__buf_free(&src);
	profiles_free(&p);
	if (rc < 0)
		aws_session_free(out);
	return rc;
}
