/*
 * driftmap — the ignore workflow: append `.driftignore` entries for the
 * findings of a `driftmap.report/v1` JSON report (docs/ignore.md, docs/ci.md).
 *
 *   # added by driftmap ignore on 2026-11-23: changed module.net.aws_vpc.main; owner: TODO; reason: TODO
 *   aws_vpc.vpc-0abc
 *   # added by driftmap ignore on 2026-11-23: unmanaged aws_s3_bucket.my.bucket; owner: TODO; reason: TODO
 *   aws_s3_bucket.my\.bucket   # expires: 2026-12-31
 *
 * Each entry is checked by parsing it back with the real rule parser and
 * matching the finding it was made for, so what is written is exactly what a
 * later scan will apply.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include "internal.h"

#define REPORT_FILE_MAX (256u * 1024u * 1024u)
#define IGNORE_FILE_MAX (4u * 1024u * 1024u) /* the limit ignore.c reads */
#define COMMENT_FIELD_MAX 300u

static const char *const kind_names[] = { "unmanaged", "missing", "changed" };

/* ---- selection ------------------------------------------------------------------ */

static int known_kind(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(k, kind_names[i]) == 0)
			return 1;
	return 0;
}

static int selected(const dm_ignore_select *sel, const char *kind, const char *type)
{
	size_t i;
	int ok;

	if (sel->nkinds) {
		for (ok = 0, i = 0; i < sel->nkinds && !ok; i++)
			ok = strcmp(sel->kinds[i], kind) == 0;
		if (!ok)
			return 0;
	}
	if (sel->ntypes) {
		for (ok = 0, i = 0; i < sel->ntypes && !ok; i++)
			ok = dm__glob_match(sel->types[i], type);
		if (!ok)
			return 0;
	}
	return 1;
}

/* A strict "YYYY-MM-DD" calendar date: 1 when valid. */
static int valid_date(const char *s)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;
	size_t i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static int check_select(dm_ctx *ctx, const dm_ignore_select *sel, const char *today)
{
	size_t i;

	for (i = 0; i < sel->nkinds; i++) {
		if (!sel->kinds[i] || !known_kind(sel->kinds[i]))
			return dm__error(ctx, DM_EINVAL,
					 "ignore: unknown finding kind '%s' (unmanaged, missing, changed)",
					 sel->kinds[i] ? sel->kinds[i] : "");
	}
	for (i = 0; i < sel->ntypes; i++) {
		if (!sel->types[i] || !*sel->types[i])
			return dm__error(ctx, DM_EINVAL, "ignore: empty resource type");
	}
	if (sel->expires) {
		if (!valid_date(sel->expires))
			return dm__error(ctx, DM_EINVAL, "ignore: bad expiry date '%s' (want YYYY-MM-DD)",
					 sel->expires);
		/* fixed-width dates compare as strings */
		if (strcmp(sel->expires, today) < 0)
			return dm__error(ctx, DM_EINVAL,
					 "ignore: expiry date %s is in the past (today is %s)",
					 sel->expires, today);
	}
	return 0;
}

/* ---- entry text --------------------------------------------------------------------- */

/*
 * Escape one pattern component: '.', '*', '\\' and '#' get a backslash; a
 * '!' that would start the line too. Control characters cannot be written
 * on one line: -1.
 */
static int put_escaped(dm_buf *b, const char *s, int line_start)
{
	const char *p;
	int rc;

	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '.' || c == '*' || c == '\\' || c == '#' || (c == '!' && line_start && p == s)) {
			rc = dm__buf_putc(b, '\\');
			if (rc < 0)
				return rc;
		}
		rc = dm__buf_putc(b, (char)c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Comment text: one line, control characters replaced, capped. */
static int put_comment_field(dm_buf *b, const char *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; s[i] && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= COMMENT_FIELD_MAX)
			return dm__buf_puts(b, "...");
		rc = dm__buf_putc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/*
 * The rule pattern for (type, id) into pat. 1 when it cannot be written
 * (control characters, surrounding blanks that the parser would trim),
 * 0 on success, < 0 on allocation failure.
 */
static int make_pattern(dm_buf *pat, const char *type, const char *id)
{
	size_t tl = strlen(type), il = strlen(id);
	int rc;

	dm__buf_reset(pat);
	if (!tl || !il || is_blank(type[0]) || is_blank(id[il - 1]))
		return 1;
	rc = put_escaped(pat, type, 1);
	if (rc == 0)
		rc = dm__buf_putc(pat, '.');
	if (rc == 0)
		rc = put_escaped(pat, id, 0);
	if (rc == -1)
		return 1;
	return rc;
}

/* Parse the pattern back with the real parser: 1 when it ignores exactly this resource. */
static int pattern_roundtrips(dm_ctx *ctx, const dm_buf *pat, const char *type, const char *id)
{
	dm_ignore *one = NULL;
	int ok;

	if (dm_ignore_parse(&one, ctx, pat->ptr, pat->len, "generated entry") < 0) {
		dm_ctx_clear_error(ctx);
		return 0;
	}
	ok = dm_ignore_count(one) == 1 && dm_ignore_match(one, type, id, NULL) == 1;
	dm_ignore_free(one);
	return ok;
}

/* ---- the report --------------------------------------------------------------------- */

static int load_report(dm_ctx *ctx, const char *path, json_t **out)
{
	char *text = NULL;
	size_t len = 0;
	json_t *doc = NULL, *schema, *drift;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = dm__read_file(ctx, path, REPORT_FILE_MAX, &text, &len);
	if (rc < 0)
		return rc;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!doc)
		return dm__error(ctx, DM_EPARSE, "%s: not a JSON report (line %d: %s)", path, jerr.line,
				 jerr.text);
	schema = json_object_get(doc, "schema");
	if (!json_is_object(doc) || !json_is_string(schema)) {
		json_decref(doc);
		return dm__error(ctx, DM_EPARSE, "%s: not a driftmap report (no \"schema\")", path);
	}
	if (strcmp(json_string_value(schema), "driftmap.report/v1") != 0) {
		rc = dm__error(ctx, DM_EPARSE,
			       "%s: unsupported report schema \"%.100s\" (want driftmap.report/v1)",
			       path, json_string_value(schema));
		json_decref(doc);
		return rc;
	}
	drift = json_object_get(doc, "drift");
	if (!json_is_array(drift)) {
		json_decref(doc);
		return dm__error(ctx, DM_EPARSE, "%s: report has no \"drift\" array", path);
	}
	*out = doc;
	return 0;
}

static const char *str_member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- append ------------------------------------------------------------------------- */

/* Comment line + rule line for one finding into out. */
static int put_entry(dm_buf *out, const dm_buf *pat, const dm_ignore_select *sel, const char *today,
		     const char *kind, const char *type, const char *id, const char *address)
{
	int rc;

	rc = dm__buf_printf(out, "# added by driftmap ignore on %s: %s ", today, kind);
	if (rc == 0 && address)
		rc = put_comment_field(out, address);
	if (rc == 0 && !address) {
		rc = put_comment_field(out, type);
		if (rc == 0)
			rc = dm__buf_putc(out, '.');
		if (rc == 0)
			rc = put_comment_field(out, id);
	}
	if (rc == 0)
		rc = dm__buf_puts(out, "; owner: ");
	if (rc == 0)
		rc = put_comment_field(out, sel->owner && *sel->owner ? sel->owner : "TODO");
	if (rc == 0)
		rc = dm__buf_puts(out, "; reason: ");
	if (rc == 0)
		rc = put_comment_field(out, sel->reason && *sel->reason ? sel->reason : "TODO");
	if (rc == 0)
		rc = dm__buf_putc(out, '\n');
	if (rc == 0)
		rc = dm__buf_put(out, pat->ptr, pat->len);
	if (rc == 0 && sel->expires)
		rc = dm__buf_printf(out, "   # expires: %s", sel->expires);
	if (rc == 0)
		rc = dm__buf_putc(out, '\n');
	return rc;
}

/* Append data to path (created when missing) in one write. */
static int append_file(dm_ctx *ctx, const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "ab");

	if (!f)
		return dm__error(ctx, errno == ENOENT ? DM_ENOTFOUND : DM_EIO, "%s: cannot open for append: %s",
				 path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0) {
		int e = errno;
		fclose(f);
		return dm__error(ctx, DM_EIO, "%s: write failed: %s", path, strerror(e));
	}
	if (fclose(f) != 0)
		return dm__error(ctx, DM_EIO, "%s: write failed: %s", path, strerror(errno));
	return 0;
}

int dm_ignore_append_from_report(dm_ctx *ctx, const char *report_path, const char *ignore_path,
				 const dm_ignore_select *sel_in, size_t *added, size_t *covered)
{
	static const dm_ignore_select none;
	const dm_ignore_select *sel = sel_in ? sel_in : &none;
	json_t *doc = NULL, *drift, *f;
	char *text = NULL;
	size_t len = 0, i, nadded = 0, ncovered = 0;
	dm_ignore *existing = NULL;
	dm_strmap *seen = NULL;
	dm_arena *keys = NULL;
	dm_buf out = DM_BUF_INIT, pat = DM_BUF_INIT;
	char today[40];
	int rc;

	if (added)
		*added = 0;
	if (covered)
		*covered = 0;
	if (!report_path || !ignore_path)
		return dm__error(ctx, DM_EINVAL, "ignore: no report or ignore file given");
	dm__rfc3339(sel->now ? sel->now : (long long)time(NULL), today, sizeof(today));
	today[10] = '\0';
	rc = check_select(ctx, sel, today);
	if (rc < 0)
		return rc;
	rc = load_report(ctx, report_path, &doc);
	if (rc < 0)
		return rc;

	/* the existing rules (a missing file is an empty one) */
	rc = dm__read_file(ctx, ignore_path, IGNORE_FILE_MAX, &text, &len);
	if (rc == DM_ENOTFOUND) {
		dm_ctx_clear_error(ctx);
		rc = 0;
	}
	if (rc < 0)
		goto done;
	rc = dm_ignore_parse(&existing, ctx, text, len, ignore_path);
	if (rc < 0)
		goto done;
	if (dm__strmap_new(&seen, 64) < 0 || dm__arena_new(&keys) < 0) {
		rc = dm__error(ctx, DM_ENOMEM, "ignore: out of memory");
		goto done;
	}

	/* the appended block; the whole file must stay loadable (ignore.c's limit) */
	dm__buf_init(&out, IGNORE_FILE_MAX);
	dm__buf_init(&pat, 64u * 1024u);
	if (len > 0 && text[len - 1] != '\n')
		rc = dm__buf_putc(&out, '\n');
	if (rc == 0 && len > 0)
		rc = dm__buf_putc(&out, '\n');
	if (rc < 0)
		goto buf_fail;

	drift = json_object_get(doc, "drift");
	json_array_foreach(drift, i, f) {
		const char *kind = str_member(f, "kind"), *type = str_member(f, "type"),
			   *id = str_member(f, "resource_id"), *address = str_member(f, "address");

		if (!json_is_object(f) || !kind || !type || !id || !known_kind(kind)) {
			rc = dm__error(ctx, DM_EPARSE,
				       "%s: drift[%zu] is not a finding (needs kind, type, resource_id)",
				       report_path, i);
			goto done;
		}
		if (!selected(sel, kind, type))
			continue;
		if (json_is_true(json_object_get(f, "ignored")) ||
		    dm_ignore_match(existing, type, id, NULL)) {
			ncovered++;
			continue;
		}
		rc = make_pattern(&pat, type, id);
		if (rc < 0)
			goto buf_fail;
		if (rc == 1 || !pattern_roundtrips(ctx, &pat, type, id)) {
			dm__log(ctx, DM_LOG_WARN,
				"%s: drift[%zu] (%s) has an id that cannot be written as an ignore rule; skipped",
				report_path, i, type);
			rc = 0;
			continue;
		}
		if (dm__strmap_get(seen, pat.ptr)) {
			ncovered++;
			continue;
		}
		{
			const char *key = dm__arena_strdup(keys, pat.ptr);

			if (!key || dm__strmap_put(seen, key, (void *)key) < 0) {
				rc = dm__error(ctx, DM_ENOMEM, "ignore: out of memory");
				goto done;
			}
		}
		rc = put_entry(&out, &pat, sel, today, kind, type, id, address);
		if (rc < 0)
			goto buf_fail;
		nadded++;
	}
	if (nadded > 0) {
		if (len + out.len > IGNORE_FILE_MAX) {
			rc = dm__error(ctx, DM_ETOOBIG, "%s: would grow beyond %u bytes", ignore_path,
				       IGNORE_FILE_MAX);
			goto done;
		}
		rc = append_file(ctx, ignore_path, out.ptr, out.len);
		if (rc < 0)
			goto done;
	}
	if (added)
		*added = nadded;
	if (covered)
		*covered = ncovered;
	rc = 0;
	goto done;

buf_fail:
	rc = rc == DM_ETOOBIG ?
		dm__error(ctx, DM_ETOOBIG, "%s: new entries would exceed %u bytes", ignore_path,
			  IGNORE_FILE_MAX) :
		dm__error(ctx, DM_ENOMEM, "ignore: out of memory");
done:
	dm__buf_free(&pat);
	dm__buf_free(&out);
	dm__strmap_free(seen);
	dm__arena_free(keys);
	dm_ignore_free(existing);
	free(text);
	json_decref(doc);
	return rc;
}
