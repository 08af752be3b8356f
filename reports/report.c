/*
 * driftmap — report dispatch: one renderer per format over one findings
 * model. Renderers fill a dm_buf; this file writes it to a FILE* or
 * atomically to a path, so a failed render never leaves half a report.
 */
#include <stdlib.h>
#include <string.h>
#include "report_internal.h"

#define DM_REPORT_MAX_BYTES (512u * 1024u * 1024u)

static const dm__renderer renderers[] = {
	{ "text", dm__report_text },
	{ "json", dm__report_json_render },
	{ "markdown", dm__report_markdown },
	{ "html", dm__report_html },
	{ "sarif", dm__report_sarif },
	{ "junit", dm__report_junit },
};

static const dm__renderer *renderer_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
		if (strcmp(renderers[i].name, name) == 0)
			return &renderers[i];
	}
	return NULL;
}

int dm_report_format_known(const char *name)
{
	return renderer_find(name) != NULL;
}

void dm__report_locate(const dm__report *r, const dm_finding *f, dm__report_loc *out)
{
	const char *file = NULL;
	unsigned line = 0;
	int rc;

	out->file = NULL;
	out->line = 0;
	out->is_source = 0;
	if (!f->state_uri)
		return;
	if (!r->loc || !f->address) {
		out->file = NULL;
		return;
	}
	rc = dm__srcloc_find(r->loc, f->state_uri, f->commit, f->type, f->address, &file, &line);
	if (rc < 0)
		return;
	out->file = file;
	out->line = line;
	out->is_source = rc == 1 || rc == 2;
}

/* Render into *out (caller frees). */
static int render(dm_ctx *ctx, const dm_drift *d, const char *format,
		  const dm_report_options *opts, dm_buf *out)
{
	const dm__renderer *rd = renderer_find(format);
	dm_report_options o = { 0, 0, 0, NULL, NULL };
	dm__report r;
	int rc;

	if (!d)
		return dm__error(ctx, DM_EINVAL, "report: no drift result to render");
	if (!rd)
		return dm__error(ctx, DM_EINVAL,
				 "unknown report format '%s' (text, json, markdown, html, sarif, junit)",
				 format ? format : "(null)");
	if (opts)
		o = *opts;
	if (o.max_bytes == 0)
		o.max_bytes = 64u * 1024u;
	r.ctx = ctx;
	r.d = d;
	r.opts = &o;
	r.loc = NULL;
	if (dm__srcloc_new(&r.loc, ctx) < 0)
		return dm__error(ctx, DM_ENOMEM, "report %s: out of memory", format);
	dm__buf_init(out, DM_REPORT_MAX_BYTES);
	rc = rd->render(&r, out);
	dm__srcloc_free(r.loc);
	if (rc == DM_ETOOBIG)
		return dm__error(ctx, rc, "report %s: larger than the %u MiB limit", format,
				 DM_REPORT_MAX_BYTES / (1024u * 1024u));
	if (rc == DM_ENOMEM)
		return dm__error(ctx, rc, "report %s: out of memory", format);
	if (rc < 0 && dm_ctx_last_error_code(ctx) == DM_OK)
		return dm__error(ctx, rc, "report %s: rendering failed", format);
	return rc;
}

int dm_report_write(dm_ctx *ctx, const dm_drift *d, const char *format,
		    const dm_report_options *opts, FILE *out)
{
	dm_buf b = DM_BUF_INIT;
	int rc;

	if (!out)
		return dm__error(ctx, DM_EINVAL, "report %s: no output stream", format ? format : "");
	rc = render(ctx, d, format, opts, &b);
	if (rc < 0)
		goto done;
	if ((b.len && fwrite(b.ptr, 1, b.len, out) != b.len) || fflush(out) != 0) {
		rc = dm__error(ctx, DM_EIO, "report %s: write failed", format);
		goto done;
	}
	rc = 0;
done:
	dm__buf_free(&b);
	return rc;
}

int dm_report_write_file(dm_ctx *ctx, const dm_drift *d, const char *format,
			 const dm_report_options *opts, const char *path)
{
	dm_buf b = DM_BUF_INIT;
	int rc;

	if (!path)
		return dm__error(ctx, DM_EINVAL, "report %s: no output path", format ? format : "");
	rc = render(ctx, d, format, opts, &b);
	if (rc < 0)
		goto done;
	rc = dm__write_file_atomic(ctx, path, b.ptr ? b.ptr : "", b.len);
done:
	dm__buf_free(&b);
	return rc;
}

json_t *dm_report_json(const dm_drift *d)
{
	return d ? dm__report_json_build(d, NULL) : NULL;
}
