/* Unit tests: the ignore workflow (dm_ignore_append_from_report) and ignore expiry warnings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "driftmap/driftmap.h"

#define NOW_2026_11_23 1795435200LL /* 2026-11-23T12:00:00Z */

struct fx {
	char *dir;
	char report[1024];
	char ignore[1024];
	dm_ctx *ctx;
	char warnings[4096];
};

static void capture_log(dm_log_level level, const char *msg, void *ud)
{
	struct fx *f = ud;
	size_t n = strlen(f->warnings);

	if (level == DM_LOG_WARN && n + strlen(msg) + 2 < sizeof(f->warnings))
		snprintf(f->warnings + n, sizeof(f->warnings) - n, "%s\n", msg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_mkdtemp();
	assert_non_null(f->dir);
	snprintf(f->report, sizeof(f->report), "%s/report.json", f->dir);
	snprintf(f->ignore, sizeof(f->ignore), "%s/.driftignore", f->dir);
	assert_int_equal(dm_ctx_new(&f->ctx), 0);
	dm_ctx_set_log(f->ctx, capture_log, f, DM_LOG_DEBUG);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dm_ctx_free(f->ctx);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static char *read_text(const char *path)
{
	char *t = tu_read_file(path, NULL);

	if (!t)
		fail_msg("cannot read %s", path);
	return t;
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A report as `driftmap scan --output json=` writes it, with the given drift[] items. */
static void write_report(const char *path, const char *drift_items, const char *ignored_items)
{
	char buf[8192];
	int n = snprintf(buf, sizeof(buf),
			 "{\"schema\": \"driftmap.report/v1\", \"tool\": {\"name\": \"driftmap\", \"version\": \"0.1.0\"},\n"
			 " \"summary\": {\"managed\": 3, \"ignored\": 0},\n"
			 " \"drift\": [%s],\n \"incomplete\": [],\n \"ignored\": [%s]}\n",
			 drift_items, ignored_items ? ignored_items : "");

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	write_text(path, buf);
}

#define FINDING(kind, type, id, addr) \
	"{\"fingerprint\": \"0\", \"kind\": \"" kind "\", \"severity\": \"medium\", \"provider\": \"aws\", " \
	"\"type\": \"" type "\", \"resource_id\": \"" id "\", \"address\": " addr ", \"changes\": []}"

static void test_ignore_write__appends_commented_escaped_entries(void **state)
{
	struct fx *f = *state;
	dm_ignore_select sel;
	dm_ignore *ig = NULL;
	size_t added = 99, covered = 99;
	char *text;
	static const char want[] =
		"# added by driftmap ignore on 2026-11-23: unmanaged aws_s3_bucket.my.dotted.bucket; owner: TODO; reason: TODO\n"
		"aws_s3_bucket.my\\.dotted\\.bucket\n"
		"# added by driftmap ignore on 2026-11-23: changed module.net.aws_vpc.main; owner: TODO; reason: TODO\n"
		"aws_vpc.vpc-1\n"
		"# added by driftmap ignore on 2026-11-23: missing aws_iam_role.ci; owner: TODO; reason: TODO\n"
		"aws_iam_role.ci\\*role\\\\x\n"
		"# added by driftmap ignore on 2026-11-23: unmanaged aws_security_group.sg #1; owner: TODO; reason: TODO\n"
		"aws_security_group.sg \\#1\n";

	write_report(f->report,
		     FINDING("unmanaged", "aws_s3_bucket", "my.dotted.bucket", "null") ",\n"
		     FINDING("changed", "aws_vpc", "vpc-1", "\"module.net.aws_vpc.main\"") ",\n"
		     FINDING("missing", "aws_iam_role", "ci*role\\\\x", "\"aws_iam_role.ci\"") ",\n"
		     FINDING("unmanaged", "aws_security_group", "sg #1", "null"),
		     NULL);
	memset(&sel, 0, sizeof(sel));
	sel.now = NOW_2026_11_23;
	if (dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, &covered) != 0)
		fail_msg("append failed: %s", dm_ctx_last_error(f->ctx));
	assert_int_equal(added, 4);
	assert_int_equal(covered, 0);
	text = read_text(f->ignore);
	assert_string_equal(text, want);
	free(text);

	/* the written file is what a scan applies: exactly these resources */
	assert_int_equal(dm_ignore_load(&ig, f->ctx, f->ignore), 0);
	assert_int_equal(dm_ignore_count(ig), 4);
	assert_int_equal(dm_ignore_match(ig, "aws_s3_bucket", "my.dotted.bucket", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_s3_bucket", "myxdottedxbucket", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-1", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-1", "tags.Env"), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-2", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_iam_role", "ci*role\\x", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_iam_role", "ci-anything-role\\x", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_security_group", "sg #1", NULL), 1);
	dm_ignore_free(ig);
}

static void test_ignore_write__skips_what_existing_rules_cover(void **state)
{
	struct fx *f = *state;
	static const char existing[] = "# team rules\naws_iam_role.ci-*\n!aws_iam_role.ci-admin\naws_vpc.vpc-1";
	dm_ignore_select sel;
	size_t added = 0, covered = 0;
	char *text, *again;

	write_text(f->ignore, existing);
	write_report(f->report,
		     FINDING("unmanaged", "aws_iam_role", "ci-deploy", "null") ",\n"
		     FINDING("unmanaged", "aws_iam_role", "ci-admin", "null") ",\n"
		     FINDING("changed", "aws_vpc", "vpc-1", "\"aws_vpc.a\"") ",\n"
		     FINDING("changed", "aws_vpc", "vpc-2", "\"aws_vpc.b\"") ",\n"
		     /* the same resource id twice (two accounts): one entry */
		     FINDING("changed", "aws_vpc", "vpc-2", "\"aws_vpc.b\"") ",\n"
		     "{\"kind\": \"unmanaged\", \"type\": \"aws_eip\", \"resource_id\": \"eip-1\", \"ignored\": true}",
		     FINDING("unmanaged", "aws_subnet", "subnet-ignored", "null"));
	memset(&sel, 0, sizeof(sel));
	sel.now = NOW_2026_11_23;
	if (dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, &covered) != 0)
		fail_msg("append failed: %s", dm_ctx_last_error(f->ctx));
	assert_int_equal(added, 2);   /* ci-admin (negated by the file) and vpc-2 */
	assert_int_equal(covered, 4); /* ci-deploy, vpc-1, the second vpc-2, the ignored eip */
	text = read_text(f->ignore);
	/* the old text is kept byte for byte; the missing final newline is added, then a blank line */
	assert_memory_equal(text, existing, strlen(existing));
	assert_string_equal(text + strlen(existing),
			    "\n\n"
			    "# added by driftmap ignore on 2026-11-23: unmanaged aws_iam_role.ci-admin; owner: TODO; reason: TODO\n"
			    "aws_iam_role.ci-admin\n"
			    "# added by driftmap ignore on 2026-11-23: changed aws_vpc.b; owner: TODO; reason: TODO\n"
			    "aws_vpc.vpc-2\n");
	assert_null(strstr(text, "subnet-ignored")); /* the report's ignored[] is not re-added */

	/* a second run finds everything covered and leaves the file alone */
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, &covered), 0);
	assert_int_equal(added, 0);
	assert_int_equal(covered, 6);
	again = read_text(f->ignore);
	assert_string_equal(again, text);
	free(again);
	free(text);
}

static void test_ignore_write__selects_by_kind_and_type(void **state)
{
	struct fx *f = *state;
	static const char *const kinds[] = { "changed", "missing" };
	static const char *const types[] = { "aws_iam_*" };
	dm_ignore_select sel;
	dm_ignore *ig = NULL;
	size_t added = 0;

	write_report(f->report,
		     FINDING("unmanaged", "aws_iam_role", "r-unmanaged", "null") ",\n"
		     FINDING("changed", "aws_iam_role", "r-changed", "\"aws_iam_role.c\"") ",\n"
		     FINDING("missing", "aws_iam_policy", "p-missing", "\"aws_iam_policy.m\"") ",\n"
		     FINDING("changed", "aws_vpc", "vpc-changed", "\"aws_vpc.c\""),
		     NULL);
	memset(&sel, 0, sizeof(sel));
	sel.kinds = kinds;
	sel.nkinds = 2;
	sel.types = types;
	sel.ntypes = 1;
	sel.reason = "accepted: break-glass\nrole";
	sel.owner = "platform-team";
	sel.now = NOW_2026_11_23;
	if (dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL) != 0)
		fail_msg("append failed: %s", dm_ctx_last_error(f->ctx));
	assert_int_equal(added, 2);
	assert_int_equal(dm_ignore_load(&ig, f->ctx, f->ignore), 0);
	assert_int_equal(dm_ignore_count(ig), 2);
	assert_int_equal(dm_ignore_match(ig, "aws_iam_role", "r-changed", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_iam_policy", "p-missing", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_iam_role", "r-unmanaged", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-changed", NULL), 0);
	dm_ignore_free(ig);
	{
		char *text = read_text(f->ignore);
		/* owner and reason land in the comment, the newline folded so the file stays valid */
		assert_non_null(strstr(text, "; owner: platform-team; reason: accepted: break-glass?role\n"));
		free(text);
	}
}

static void test_ignore_write__expiry_line_and_bad_dates(void **state)
{
	struct fx *f = *state;
	dm_ignore_select sel;
	dm_ignore *ig = NULL;
	size_t added = 0;
	char *text;

	write_report(f->report, FINDING("changed", "aws_vpc", "vpc-1", "\"aws_vpc.a\""), NULL);
	memset(&sel, 0, sizeof(sel));
	sel.now = NOW_2026_11_23;

	sel.expires = "2026-02-30";
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL),
			 DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "2026-02-30"));
	sel.expires = "2026-11-22"; /* yesterday */
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL),
			 DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "past"));
	assert_false(file_exists(f->ignore));

	sel.expires = "2099-12-31";
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL), 0);
	assert_int_equal(added, 1);
	text = read_text(f->ignore);
	assert_non_null(strstr(text, "\naws_vpc.vpc-1   # expires: 2099-12-31\n"));
	free(text);
	assert_int_equal(dm_ignore_load(&ig, f->ctx, f->ignore), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-1", NULL), 1);
	dm_ignore_free(ig);
	assert_string_equal(f->warnings, "");
}

/* An expired entry stops applying, with a warning naming the file and line, and the
 * workflow then re-adds the finding it used to cover. */
static void test_ignore_write__expired_entry_warns_and_no_longer_covers(void **state)
{
	struct fx *f = *state;
	dm_ignore *ig = NULL;
	dm_ignore_select sel;
	size_t added = 0, covered = 0;
	char want[1200];

	write_text(f->ignore, "# old\naws_vpc.vpc-1   # expires: 2020-01-31 (OPS-1)\naws_vpc.vpc-2\n");
	assert_int_equal(dm_ignore_load(&ig, f->ctx, f->ignore), 0);
	assert_int_equal(dm_ignore_count(ig), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-1", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "vpc-2", NULL), 1);
	dm_ignore_free(ig);
	snprintf(want, sizeof(want), "%s:2: ignore rule \"aws_vpc.vpc-1\" expired; it no longer applies\n",
		 f->ignore);
	assert_string_equal(f->warnings, want);

	write_report(f->report,
		     FINDING("changed", "aws_vpc", "vpc-1", "\"aws_vpc.a\"") ",\n"
		     FINDING("changed", "aws_vpc", "vpc-2", "\"aws_vpc.b\""), NULL);
	memset(&sel, 0, sizeof(sel));
	sel.now = NOW_2026_11_23;
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, &covered), 0);
	assert_int_equal(added, 1);
	assert_int_equal(covered, 1);
}

static void test_ignore_write__rejects_bad_reports(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "not json at all", "not a JSON report" },
		{ "{\"schema\": \"driftmap.report/v1\", \"drift\": [", "not a JSON report" },
		{ "[1, 2]", "not a driftmap report" },
		{ "{\"drift\": []}", "not a driftmap report" },
		{ "{\"schema\": \"driftmap.posture/v1\", \"findings\": []}", "unsupported report schema" },
		{ "{\"schema\": \"driftmap.report/v1\"}", "no \"drift\" array" },
		{ "{\"schema\": \"driftmap.report/v1\", \"drift\": {}}", "no \"drift\" array" },
		{ "{\"schema\": \"driftmap.report/v1\", \"drift\": [{\"kind\": \"changed\", \"type\": \"aws_vpc\"}]}",
		  "drift[0] is not a finding" },
		{ "{\"schema\": \"driftmap.report/v1\", \"drift\": [{\"kind\": \"gone\", \"type\": \"aws_vpc\", \"resource_id\": \"v\"}]}",
		  "drift[0] is not a finding" },
		{ "{\"schema\": \"driftmap.report/v1\", \"drift\": [7]}", "drift[0] is not a finding" },
	};
	struct fx *f = *state;
	char missing[1100];
	size_t i, added = 5;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err;
		int rc;

		write_text(f->report, cases[i].text);
		rc = dm_ignore_append_from_report(f->ctx, f->report, f->ignore, NULL, &added, NULL);
		err = dm_ctx_last_error(f->ctx);
		if (rc != DM_EPARSE || !strstr(err, cases[i].msg) || !strstr(err, f->report) ||
		    strchr(err, '\n'))
			fail_msg("case %zu: rc %d, error \"%s\" (want %s)", i, rc, err, cases[i].msg);
		assert_int_equal(added, 0);
		assert_false(file_exists(f->ignore));
	}
	snprintf(missing, sizeof(missing), "%s/nope.json", f->dir);
	assert_int_equal(dm_ignore_append_from_report(f->ctx, missing, f->ignore, NULL, NULL, NULL),
			 DM_ENOTFOUND);
	/* a broken ignore file is an error, not something to append to */
	write_report(f->report, FINDING("changed", "aws_vpc", "vpc-1", "null"), NULL);
	write_text(f->ignore, "aws_vpc\n");
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, NULL, NULL, NULL),
			 DM_EPARSE);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), ":1: expected TYPE.ID"));
}

static void test_ignore_write__rejects_bad_selection_and_unwritable_ids(void **state)
{
	struct fx *f = *state;
	static const char *const bad_kind[] = { "drifted" };
	dm_ignore_select sel;
	size_t added = 0;
	char *text;

	write_report(f->report,
		     FINDING("unmanaged", "aws_iam_role", "bad\\nname", "null") ",\n"
		     FINDING("unmanaged", "aws_iam_role", "trailing ", "null") ",\n"
		     FINDING("unmanaged", "aws_iam_role", "fine", "null"),
		     NULL);
	memset(&sel, 0, sizeof(sel));
	sel.kinds = bad_kind;
	sel.nkinds = 1;
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL),
			 DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "drifted"));

	memset(&sel, 0, sizeof(sel));
	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, &sel, &added, NULL), 0);
	assert_int_equal(added, 1);
	text = read_text(f->ignore);
	assert_non_null(strstr(text, "\naws_iam_role.fine\n"));
	assert_null(strstr(text, "bad"));
	assert_null(strstr(text, "trailing"));
	free(text);
	assert_non_null(strstr(f->warnings, "drift[0] (aws_iam_role) has an id that cannot be written"));
	assert_non_null(strstr(f->warnings, "drift[1] (aws_iam_role)"));
}

/* ---- the whole loop in the library: diff -> JSON report -> ignore entries -> diff ----- */

static const char loop_state[] =
	"{\"version\": 4, \"terraform_version\": \"1.9.0\", \"serial\": 1, \"lineage\": \"l\", \"outputs\": {},\n"
	" \"resources\": [{\"mode\": \"managed\", \"type\": \"aws_vpc\", \"name\": \"main\",\n"
	"   \"provider\": \"provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\",\n"
	"   \"instances\": [{\"schema_version\": 1, \"attributes\": {\"id\": \"vpc-1\", \"cidr_block\": \"10.0.0.0/16\",\n"
	"     \"tags\": {\"Name\": \"main\"}, \"tags_all\": {\"Name\": \"main\"}}, \"sensitive_attributes\": []}]}]}\n";

static const char loop_live[] =
	"{\"schema\": \"driftmap.inventory/v1\", \"tool\": {\"name\": \"driftmap\", \"version\": \"t\"},\n"
	" \"collected_at\": \"2026-11-23T10:00:00Z\", \"sources\": [],\n"
	" \"scopes\": [{\"provider\": \"aws\", \"account\": \"123456789012\", \"region\": \"us-east-1\",\n"
	"   \"api\": \"ec2:Describe*\", \"types\": [\"aws_vpc\", \"aws_eip\"], \"complete\": true, \"error\": null, \"api_calls\": 1}],\n"
	" \"resources\": [\n"
	"  {\"provider\": \"aws\", \"type\": \"aws_vpc\", \"id\": \"vpc-1\", \"account\": \"123456789012\", \"region\": \"us-east-1\",\n"
	"   \"attributes\": {\"id\": \"vpc-1\", \"cidr_block\": \"10.0.0.0/16\", \"tags\": {\"Name\": \"renamed\"}}},\n"
	"  {\"provider\": \"aws\", \"type\": \"aws_eip\", \"id\": \"eipalloc.1\", \"account\": \"123456789012\", \"region\": \"us-east-1\",\n"
	"   \"attributes\": {\"id\": \"eipalloc.1\", \"domain\": \"vpc\", \"tags\": {}}}]}\n";

static dm_drift *loop_diff(struct fx *f, dm_inventory *state, dm_inventory *live, const dm_ignore *ig)
{
	const dm_type_table *tables[32];
	dm_diff_options opts;
	dm_drift *d = NULL;
	size_t i;

	memset(&opts, 0, sizeof(opts));
	for (i = 0; i < dm_providers_count(f->ctx) && opts.ntables < 32; i++) {
		const dm_type_table *t = dm_provider_types(dm_providers_at(f->ctx, i));
		if (t)
			tables[opts.ntables++] = t;
	}
	opts.tables = tables;
	opts.ignore = ig;
	if (dm_diff(&d, f->ctx, state, live, &opts) != 0)
		fail_msg("dm_diff: %s", dm_ctx_last_error(f->ctx));
	return d;
}

static void test_ignore_write__report_to_entries_to_ignored_findings(void **state)
{
	struct fx *f = *state;
	char spath[1100], lpath[1100];
	dm_inventory *st = NULL, *live = NULL;
	dm_drift *d1 = NULL, *d2 = NULL;
	dm_ignore *ig = NULL;
	const dm_summary *s;
	size_t added = 0, i;
	json_t *doc;

	snprintf(spath, sizeof(spath), "%s/main.tfstate", f->dir);
	snprintf(lpath, sizeof(lpath), "%s/live.json", f->dir);
	write_text(spath, loop_state);
	write_text(lpath, loop_live);
	assert_int_equal(dm_inventory_new(&st), 0);
	if (dm_state_load(st, f->ctx, spath) != 0 || dm_inventory_load_json(&live, f->ctx, lpath) != 0)
		fail_msg("load: %s", dm_ctx_last_error(f->ctx));

	d1 = loop_diff(f, st, live, NULL);
	s = dm_drift_summary(d1);
	assert_int_equal(s->changed, 1);   /* vpc-1: tags */
	assert_int_equal(s->unmanaged, 1); /* eipalloc.1 */
	assert_int_equal(s->ignored, 0);
	assert_int_equal(dm_report_write_file(f->ctx, d1, "json", NULL, f->report), 0);

	assert_int_equal(dm_ignore_append_from_report(f->ctx, f->report, f->ignore, NULL, &added, NULL), 0);
	assert_int_equal(added, 2);
	assert_int_equal(dm_ignore_load(&ig, f->ctx, f->ignore), 0);

	/* a resource rule marks a changed finding ignored (not in sync): docs/ignore.md */
	d2 = loop_diff(f, st, live, ig);
	s = dm_drift_summary(d2);
	assert_int_equal(s->changed, 0);
	assert_int_equal(s->unmanaged, 0);
	assert_int_equal(s->ignored, 2);
	assert_int_equal(s->in_sync, 0);
	assert_int_equal(dm_drift_count(d2), 2);
	for (i = 0; i < dm_drift_count(d2); i++)
		assert_true(dm_drift_at(d2, i)->ignored);
	doc = dm_report_json(d2);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "ignored")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "drift")), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "ignored")), 2);
	json_decref(doc);

	dm_drift_free(d2);
	dm_drift_free(d1);
	dm_ignore_free(ig);
	dm_inventory_free(live);
	dm_inventory_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ignore_write__appends_commented_escaped_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__skips_what_existing_rules_cover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__selects_by_kind_and_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__expiry_line_and_bad_dates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__expired_entry_warns_and_no_longer_covers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__rejects_bad_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__rejects_bad_selection_and_unwritable_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_write__report_to_entries_to_ignored_findings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
