/*
 * driftmap — internals shared by the report renderers (never installed).
 *
 * Every renderer writes a whole report into a dm_buf; report.c dispatches
 * through a static const table of these renderers and writes the buffer to
 * the FILE* or, atomically, to a path. Helpers for escaping, redaction and
 * value formatting live in escape.c.
 */
#ifndef DRIFTMAP_REPORT_INTERNAL_H
#define DRIFTMAP_REPORT_INTERNAL_H

#include "internal.h"
#include "source_locate.h"

/** Everything a renderer needs; built once per dm_report_write(). */
typedef struct dm__report {
	dm_ctx *ctx;
	const dm_drift *d;
	const dm_report_options *opts; /* never NULL (defaults filled in) */
	dm__srcloc *loc;               /* source locator, may be NULL */
} dm__report;

typedef struct dm__renderer {
	const char *name;
	int (*render)(const dm__report *r, dm_buf *out);
} dm__renderer;

/* One function per format (report_<format>.c). 0 or a negative dm_error_code. */
int dm__report_text(const dm__report *r, dm_buf *out);
int dm__report_json_render(const dm__report *r, dm_buf *out);
int dm__report_markdown(const dm__report *r, dm_buf *out);
int dm__report_html(const dm__report *r, dm_buf *out);
int dm__report_sarif(const dm__report *r, dm_buf *out);
int dm__report_junit(const dm__report *r, dm_buf *out);

/** The JSON report; loc (may be NULL) adds "source" to findings. New reference or NULL. */
json_t *dm__report_json_build(const dm_drift *d, dm__srcloc *loc);

/** Live scopes sorted by (provider, account, region, api); caller frees the
 *  array (not the scopes). NULL on ENOMEM; an empty inventory gives n = 0. */
const dm_scope **dm__report_sorted_scopes(const dm_inventory *live, size_t *n);

/* ---- source locations ----------------------------------------------------- */

/** Where a finding is declared. file is borrowed (locator or finding lifetime). */
typedef struct dm__report_loc {
	const char *file;   /* repository-relative (git) or filesystem path; NULL: none */
	unsigned line;      /* 1-based; 0 when only the file is known (state file fallback) */
	int is_source;      /* 1: the .tf declaration; 0: the state file */
} dm__report_loc;

/** Fill *out for f (never fails; file NULL when nothing is known). */
void dm__report_locate(const dm__report *r, const dm_finding *f, dm__report_loc *out);

/* ---- escaping (escape.c) ------------------------------------------------ */

/** HTML/XML text and attribute escaping (& < > " '), control characters and
 *  invalid UTF-8 replaced by U+FFFD (XML 1.0 allows neither). */
int dm__esc_xml(dm_buf *b, const char *s);
int dm__esc_xmln(dm_buf *b, const char *s, size_t n);
/** A Markdown table cell / inline text: | ` * _ [ ] \ < > & escaped, newlines as <br>. */
int dm__esc_md(dm_buf *b, const char *s);
/** Plain text for a terminal or CI log: control characters shown as \n, \t, \xHH. */
int dm__esc_text(dm_buf *b, const char *s);
/** Percent-encode a path for a URI (keeps / and unreserved characters). */
int dm__esc_uri_path(dm_buf *b, const char *s);
/** A string for JSON: json_string(), or a sanitised copy when s is not valid UTF-8. */
json_t *dm__rep_jstr(const char *s);
/** json_string or json_null for NULL. */
json_t *dm__rep_jstr_or_null(const char *s);
/** Append s as a quoted JSON string, byte for byte what json_dumps writes for
 *  dm__rep_jstr(s) (no ENSURE_ASCII / ESCAPE_SLASH); NULL s appends null. */
int dm__esc_json(dm_buf *b, const char *s);

/* ---- values and redaction ---------------------------------------------- */

#define DM_REDACTED "(sensitive)"

/** Is this attribute name a known secret ("password", "secret", "private_key", "token", ...)? */
int dm__secret_name(const char *name);
/** The change value v at PATH of the finding with every sensitive part replaced
 *  by "(sensitive)". New reference; NULL v gives json_null(). NULL on ENOMEM. */
json_t *dm__report_value(const dm_finding *f, const char *path, const json_t *v);
/** Compact JSON text of a (redacted) change value, at most max_chars code
 *  points (longer values end with "…"). NULL v: "(absent)". */
int dm__report_value_text(dm_buf *b, const dm_finding *f, const char *path,
			  const json_t *v, size_t max_chars);
/** Append at most max_chars code points of s, with "…" when cut. */
int dm__put_truncated(dm_buf *b, const char *s, size_t max_chars);

/* ---- small shared pieces ----------------------------------------------- */

/** "Unmanaged", "Missing", "Changed" */
const char *dm__kind_title(dm_finding_kind k);
/** "live, in no state" ... */
const char *dm__kind_help(dm_finding_kind k);
/** Human one-liner for a finding ("2 attributes differ: tags.Env, ingress"). */
int dm__finding_summary(dm_buf *b, const dm_finding *f);
/** "95.0%" of a coverage ratio. */
void dm__coverage_pct(double coverage, char *buf, size_t cap);
/** Severity name, safe for values out of range. */
const char *dm__sev_name(dm_severity s);

/** Drift findings (not ignored) and ignored findings, in engine order. */
size_t dm__count_kind(const dm_drift *d, dm_finding_kind k, int ignored);

/** The changes[] array of a finding as the JSON report writes it (values redacted). New reference. */
json_t *dm__report_changes_json(const dm_finding *f);

#endif
