/*
 * driftmap — history store tests against a real SQLite file. The same cases
 * run against PostgreSQL in test_history_pg.c (history_cases.h).
 */
#include "testutil.h"
#include <sqlite3.h>
#include "history_cases.h"

typedef struct sq_fix {
	hfix base;
	char *dir;
} sq_fix;

static char *sq_fresh_url(hfix *fx)
{
	sq_fix *s = (sq_fix *)fx;
	char *url = malloc(4200);

	assert_non_null(url);
	snprintf(url, 4200, "sqlite:%s/store-%u/history.db", s->dir, ++fx->seq);
	return url;
}

static long long sq_count(hfix *fx, const char *url, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	(void)fx;
	if (sqlite3_open_v2(url + 7, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "count %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int group_setup(void **state)
{
	sq_fix *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->base.name = "sqlite";
	s->base.fresh_url = sq_fresh_url;
	s->base.count = sq_count;
	s->dir = tu_mkdtemp();
	*state = s;
	return s->dir ? 0 : -1;
}

static int group_teardown(void **state)
{
	sq_fix *s = *state;

	tu_rmrf(s->dir);
	free(s->dir);
	free(s);
	return 0;
}

/* ---- SQLite-only cases ---------------------------------------------------------- */

static void test_history__default_url_follows_xdg(void **state)
{
	dm_ctx *ctx = hc_ctx();
	char *url = NULL, *old = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;

	(void)state;
	setenv("XDG_DATA_HOME", "/data/x", 1);
	assert_int_equal(dm_history_default_url(ctx, &url), 0);
	assert_string_equal(url, "sqlite:/data/x/driftmap/history.db");
	free(url);
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/u", 1);
	assert_int_equal(dm_history_default_url(ctx, &url), 0);
	assert_string_equal(url, "sqlite:/home/u/.local/share/driftmap/history.db");
	free(url);
	if (old)
		setenv("XDG_DATA_HOME", old, 1);
	free(old);
	dm_ctx_free(ctx);
}

static void test_history__bad_urls_give_one_line_store_errors(void **state)
{
	sq_fix *s = *state;
	static const char *const urls[] = {"mysql://db/x", "sqlite:", "history.db",
					   "sqlite:/proc/driftmap-no/such/dir/h.db",
					   "postgres://u:s3cret@127.0.0.1:1/x",
					   "postgresql://127.0.0.1:1/x?password=hunter2&connect_timeout=2"};
	char notdb[4200], url[4300];
	dm_ctx *ctx = hc_ctx();
	dm_history *h = NULL;
	size_t i;

	snprintf(notdb, sizeof(notdb), "%s/not-a-db", s->dir);
	assert_int_equal(tu_write_file(notdb, "this is not a database, just text\n", 34), 0);
	for (i = 0; i <= sizeof(urls) / sizeof(urls[0]); i++) {
		const char *u = i < sizeof(urls) / sizeof(urls[0]) ? urls[i] : url;
		const char *msg;
		if (u == url)
			snprintf(url, sizeof(url), "sqlite:%s", notdb);
		assert_int_equal(dm_history_open(&h, ctx, u), DM_ESTORE);
		assert_null(h);
		msg = dm_ctx_last_error(ctx);
		if (strchr(msg, '\n') || !strstr(msg, "history store") || strstr(msg, "s3cret") ||
		    strstr(msg, "hunter2"))
			fail_msg("case %zu: bad message: %s", i, msg);
	}
	dm_ctx_free(ctx);
}

static void test_history__duration_parsing(void **state)
{
	static const struct {
		const char *in;
		int rc;
		long long out;
	} cases[] = {{"90d", 0, 90 * DAY}, {"12w", 0, 12 * 7 * DAY}, {"24h", 0, 86400},
		     {"30m", 0, 1800},     {"45s", 0, 45},           {"1y", 0, 365 * DAY},
		     {"d", DM_EINVAL, 0},  {"-5d", DM_EINVAL, 0},    {"5", DM_EINVAL, 0},
		     {"5dd", DM_EINVAL, 0}, {"", DM_EINVAL, 0}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = -1;
		int rc = dm_history_parse_duration(cases[i].in, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].out))
			fail_msg("case %zu (%s): rc %d value %lld", i, cases[i].in, rc, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		HISTORY_CASES,
		cmocka_unit_test(test_history__default_url_follows_xdg),
		cmocka_unit_test(test_history__bad_urls_give_one_line_store_errors),
		cmocka_unit_test(test_history__duration_parsing),
	};
	return cmocka_run_group_tests_name("history/sqlite", tests, group_setup, group_teardown);
}
