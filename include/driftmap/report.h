/*
 * driftmap — report renderers over one findings model.
 *
 * Formats: "text", "json" (driftmap.report/v1), "markdown", "html", "sarif",
 * "junit". Each renderer writes a whole report to a FILE*. A renderer never
 * prints a secret: attributes listed in a resource's sensitive paths are
 * redacted.
 */
#ifndef DRIFTMAP_REPORT_H
#define DRIFTMAP_REPORT_H

#include <stdio.h>
#include "diff.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dm_report_options {
	int color;            /* text: ANSI colours */
	int quiet;            /* text: summary line only */
	size_t max_bytes;     /* markdown: size budget (0 = 64 KiB) */
	const char *diagram_svg; /* html: inline drift diagram (may be NULL) */
	const char *trend_svg;   /* html: inline trend chart, a "Trend" section (may be NULL);
				    dm_history_trend_svg() of the store's runs (scan --store) */
} dm_report_options;

/** Is NAME a known report format? */
int dm_report_format_known(const char *name);
/** Render the drift result in FORMAT to OUT. */
int dm_report_write(dm_ctx *ctx, const dm_drift *d, const char *format,
		    const dm_report_options *opts, FILE *out);
/** Render to a file path (written atomically: temp file + rename). */
int dm_report_write_file(dm_ctx *ctx, const dm_drift *d, const char *format,
			 const dm_report_options *opts, const char *path);
/** The JSON report as a new reference (NULL on allocation failure). */
json_t *dm_report_json(const dm_drift *d);

/** Redaction helper: is PATH (dot-separated) sensitive for resource r? */
int dm_resource_path_sensitive(const dm_resource *r, const char *path);

#ifdef __cplusplus
}
#endif
#endif
