/*
 * driftmap posture — the text report (terminal).
 */
#include <string.h>
#include "posture_internal.h"

static const char *sev_color(dm_severity s)
{
	switch (s) {
	case DM_SEV_CRITICAL: return "\033[1;35m";
	case DM_SEV_HIGH: return "\033[1;31m";
	case DM_SEV_MEDIUM: return "\033[33m";
	case DM_SEV_LOW: return "\033[36m";
	default: return "\033[2m";
	}
}

int dm__posture_text(dm_ctx *ctx, const dm_posture *p, const dm_posture_render_options *o, FILE *out)
{
	dm_posture_summary s;
	size_t i;
	int e = 0;

	dm_posture_summary_get(p, &s);
	e |= fprintf(out, "driftmap posture: %zu finding%s (critical %zu, high %zu, medium %zu, low %zu, info %zu)",
		     s.findings, s.findings == 1 ? "" : "s", s.by_severity[DM_SEV_CRITICAL], s.by_severity[DM_SEV_HIGH],
		     s.by_severity[DM_SEV_MEDIUM], s.by_severity[DM_SEV_LOW], s.by_severity[DM_SEV_INFO]) < 0;
	e |= fprintf(out, ", %zu muted, %zu not evaluated\n", s.muted, s.not_evaluated) < 0;
	if (dm_posture_framework(p))
		e |= fprintf(out, "framework filter: %s\n", dm_posture_framework(p)) < 0;
	if (*dm_posture_eks_calendar(p))
		e |= fprintf(out, "EKS version calendar: %s\n", dm_posture_eks_calendar(p)) < 0;
	if (o->quiet)
		return e ? dm__error(ctx, DM_EIO, "posture: cannot write the text report") : 0;
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		const char *name = dm_posture_severity_name(f->severity);
		e |= fprintf(out, "\n%s%-8s%s %s %s%s\n", o->color ? sev_color(f->severity) : "", name,
			     o->color ? "\033[0m" : "", f->rule, f->message, f->muted ? " [muted]" : "") < 0;
		e |= fprintf(out, "         %s %s (%s/%s)  fp %s\n", f->type, f->resource_id, f->account, f->region,
			     f->fingerprint) < 0;
		if (f->muted)
			e |= fprintf(out, "         muted: %s\n", f->mute_reason) < 0;
		e |= fprintf(out, "         fix: %s\n", f->remediation) < 0;
	}
	if (dm_posture_not_evaluated_count(p)) {
		e |= fprintf(out, "\nnot evaluated:\n") < 0;
		for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
			const dm_posture_not_evaluated *n = dm_posture_not_evaluated_at(p, i);
			e |= fprintf(out, "  %s  %s  %s\n", n->rule, n->scope, n->reason) < 0;
		}
	}
	for (i = 0; i < dm_posture_mute_count(p); i++) {
		const dm_posture_mute_status *m = dm_posture_mute_at(p, i);
		if (m->expired)
			e |= fprintf(out, "expired mute (expires %s): %s\n", m->expires ? m->expires : "", m->reason) < 0;
	}
	return e ? dm__error(ctx, DM_EIO, "posture: cannot write the text report") : 0;
}
