/* driftmap CLI — `driftmap ignore --from report.json`: findings into .driftignore entries. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char ignore_help[] =
	"usage: driftmap ignore --from REPORT.json [--kind K]... [--type T]... [--ignore FILE]\n"
	"                       [--expires YYYY-MM-DD] [--reason TEXT] [--owner NAME] [--quiet]\n"
	"\n"
	"Append one .driftignore entry (TYPE.ID) per drift finding of a JSON report written by\n"
	"'driftmap scan --output json=REPORT.json', each after a comment line with the date, the\n"
	"finding, and owner/reason placeholders to fill in. Findings already covered by a rule\n"
	"of the file are skipped, so running it twice adds nothing.\n"
	"\n"
	"  --from FILE        the driftmap.report/v1 JSON report (required)\n"
	"  --kind K           only findings of this kind: unmanaged, missing, changed; repeatable\n"
	"  --type T           only findings of this Terraform type ('*' globs: aws_iam_*); repeatable\n"
	"  --ignore FILE      the ignore file to append to (default: ./.driftignore; created)\n"
	"  --expires DATE     the entries stop applying after DATE (YYYY-MM-DD, UTC, today or later)\n"
	"  --reason TEXT      the reason written in the comments (default: TODO)\n"
	"  --owner NAME       the owner written in the comments (default: TODO)\n"
	"  --quiet            no summary line\n"
	"\n"
	"Exit codes: 0 done (also when nothing was new), 1 error (bad report, bad ignore file,\n"
	"bad option).\n";

struct ignore_args {
	const char *from;
	const char *file;
	const char *expires;
	const char *reason;
	const char *owner;
	cli_list kinds;
	cli_list types;
	int quiet;
};

/* The value of "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when a is not --name. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *err)
{
	const char *a = argv[*i] + 2;
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		cli_error("ignore: option '--%s' needs a value", name);
		*err = 1;
		return NULL;
	}
	return argv[++*i];
}

static int parse_args(int argc, char **argv, struct ignore_args *a)
{
	static const char *const strs[] = { "from", "ignore", "expires", "reason", "owner" };
	int i, err = 0;
	size_t k;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char **dst[] = { &a->from, &a->file, &a->expires, &a->reason, &a->owner };
		const char *v;
		int done = 0;

		if (strncmp(argv[i], "--", 2) != 0) {
			cli_error("ignore: unexpected argument '%s'", argv[i]);
			return 1;
		}
		if (strcmp(argv[i], "--quiet") == 0) {
			a->quiet = 1;
			continue;
		}
		for (k = 0; k < sizeof(strs) / sizeof(strs[0]) && !done; k++) {
			v = opt_value(argc, argv, &i, strs[k], &err);
			if (err)
				return 1;
			if (v) {
				*dst[k] = v;
				done = 1;
			}
		}
		if (done)
			continue;
		v = opt_value(argc, argv, &i, "kind", &err);
		if (err)
			return 1;
		if (v) {
			if (cli_list_push(&a->kinds, v))
				return 1;
			continue;
		}
		v = opt_value(argc, argv, &i, "type", &err);
		if (err)
			return 1;
		if (v) {
			if (cli_list_push(&a->types, v))
				return 1;
			continue;
		}
		cli_error("ignore: unknown option '%s' (see 'driftmap ignore --help')", argv[i]);
		return 1;
	}
	if (!a->from) {
		cli_error("ignore: --from REPORT.json is required (see 'driftmap ignore --help')");
		return 1;
	}
	return 0;
}

int cmd_ignore(int argc, char **argv)
{
	struct ignore_args a;
	cli_opts o;
	dm_ignore_select sel;
	dm_ctx *ctx = NULL;
	size_t added = 0, covered = 0;
	int k, rc = DM_EXIT_ERROR;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(ignore_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (parse_args(argc, argv, &a))
		return DM_EXIT_ERROR;
	memset(&o, 0, sizeof(o));
	o.quiet = a.quiet;
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	memset(&sel, 0, sizeof(sel));
	sel.kinds = a.kinds.v;
	sel.nkinds = a.kinds.n;
	sel.types = a.types.v;
	sel.ntypes = a.types.n;
	sel.expires = a.expires;
	sel.reason = a.reason;
	sel.owner = a.owner;
	if (!a.file)
		a.file = ".driftignore";
	if (dm_ignore_append_from_report(ctx, a.from, a.file, &sel, &added, &covered) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		goto done;
	}
	if (!a.quiet)
		printf("%s: added %zu entr%s (%zu finding%s already ignored)\n", a.file, added,
		       added == 1 ? "y" : "ies", covered, covered == 1 ? "" : "s");
	rc = DM_EXIT_OK;
done:
	dm_ctx_free(ctx);
	return rc;
}
