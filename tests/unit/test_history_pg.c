/*
 * driftmap — history store tests against a real PostgreSQL server that this
 * test starts itself (initdb + pg_ctl in a temp dir, on a free loopback
 * port, stopped by PID at the end). The cases are those of the SQLite test
 * (history_cases.h).
 *
 * Without the server binaries (/usr/lib/postgresql/N/bin) the test prints
 * why and exits 77 (skipped) — or fails when DM_REQUIRE_PG=1 (CI).
 */
#include "testutil.h"
#include <glob.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libpq-fe.h>
#include "history_cases.h"

typedef struct pg_fix {
	hfix base;
	char bindir[512];
	char *dir;
	int port;
	long pid;
	int as_postgres; /* running as root: server commands run as the postgres user */
} pg_fix;

static int find_bindir(char *out, size_t cap)
{
	glob_t g;
	size_t i;
	int found = 0;

	if (glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, NULL, &g) != 0)
		return -1;
	for (i = g.gl_pathc; i-- > 0 && !found;) { /* the newest version */
		size_t len = strlen(g.gl_pathv[i]) - strlen("/pg_ctl");
		char initdb[600];
		snprintf(initdb, sizeof(initdb), "%.*s/initdb", (int)len, g.gl_pathv[i]);
		if (access(initdb, X_OK) == 0 && len < cap) {
			snprintf(out, cap, "%.*s", (int)len, g.gl_pathv[i]);
			found = 1;
		}
	}
	globfree(&g);
	return found ? 0 : -1;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static const char *runas(const pg_fix *s)
{
	return s->as_postgres ? "runuser -u postgres -- " : "";
}

static PGconn *admin_conn(pg_fix *s, const char *db)
{
	char url[256];
	PGconn *c;

	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/%s", s->port, db);
	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect %s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static char *pg_fresh_url(hfix *fx)
{
	pg_fix *s = (pg_fix *)fx;
	char sql[128], *url = malloc(256);
	PGconn *c = admin_conn(s, "postgres");
	PGresult *r;

	assert_non_null(url);
	assert_non_null(c);
	snprintf(sql, sizeof(sql), "CREATE DATABASE dm_test_%u", ++fx->seq);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	snprintf(url, 256, "postgres://postgres@127.0.0.1:%d/dm_test_%u", s->port, fx->seq);
	return url;
}

static long long pg_count(hfix *fx, const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = NULL;
	long long v = -1;

	(void)fx;
	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		else
			fprintf(stderr, "count %s: %s\n", sql, PQresultErrorMessage(r));
	}
	PQclear(r);
	PQfinish(c);
	return v;
}

static void read_pid(pg_fix *s)
{
	char path[600], *txt;

	snprintf(path, sizeof(path), "%s/data/postmaster.pid", s->dir);
	txt = tu_read_file(path, NULL);
	s->pid = txt ? strtol(txt, NULL, 10) : 0;
	free(txt);
}

static int group_setup(void **state)
{
	pg_fix *s = calloc(1, sizeof(*s));
	const char *req = getenv("DM_REQUIRE_PG");
	int required = req && strcmp(req, "1") == 0, rc;

	if (!s)
		return -1;
	s->base.name = "postgres";
	s->base.fresh_url = pg_fresh_url;
	s->base.count = pg_count;
	*state = s;
	if (find_bindir(s->bindir, sizeof(s->bindir)) < 0) {
		fprintf(stderr, "test_history_pg: PostgreSQL server binaries not found under "
				"/usr/lib/postgresql/*/bin (apt-get install postgresql)%s\n",
			required ? "; DM_REQUIRE_PG=1: failing" : "; skipped");
		exit(required ? 1 : 77);
	}
	s->as_postgres = geteuid() == 0;
	if (s->as_postgres && !getpwnam("postgres")) {
		fprintf(stderr, "test_history_pg: running as root and no 'postgres' user to run initdb%s\n",
			required ? "; failing" : "; skipped");
		exit(required ? 1 : 77);
	}
	s->dir = tu_mkdtemp();
	s->port = free_port();
	if (!s->dir || s->port <= 0)
		return -1;
	if (s->as_postgres && tu_sh("chmod 755 '%s' && chown postgres '%s'", s->dir, s->dir) != 0)
		return -1;
	rc = tu_sh("%s'%s/initdb' -D '%s/data' -U postgres --auth=trust -E UTF8 --no-sync >'%s/initdb.log' 2>&1",
		   runas(s), s->bindir, s->dir, s->dir);
	if (rc != 0) {
		fprintf(stderr, "test_history_pg: initdb failed (log in %s/initdb.log)\n", s->dir);
		return -1;
	}
	rc = tu_sh("%s'%s/pg_ctl' -D '%s/data' -o \"-p %d -k '%s' -c listen_addresses=127.0.0.1 -c max_connections=50 -c fsync=off\" "
		   "-l '%s/server.log' -w -t 60 start >/dev/null 2>&1",
		   runas(s), s->bindir, s->dir, s->port, s->dir, s->dir);
	read_pid(s);
	if (rc != 0) {
		fprintf(stderr, "test_history_pg: pg_ctl start failed (log in %s/server.log)\n", s->dir);
		return -1;
	}
	fprintf(stderr, "test_history_pg: PostgreSQL (%s) on 127.0.0.1:%d, pid %ld\n", s->bindir,
		s->port, s->pid);
	return 0;
}

static int group_teardown(void **state)
{
	pg_fix *s = *state;

	if (s->dir) {
		tu_sh("%s'%s/pg_ctl' -D '%s/data' -m fast -w -t 30 stop >/dev/null 2>&1", runas(s),
		      s->bindir, s->dir);
		if (s->pid > 0 && kill((pid_t)s->pid, 0) == 0) {
			kill((pid_t)s->pid, SIGKILL);
			sleep(1);
		}
		tu_rmrf(s->dir);
		free(s->dir);
	}
	free(s);
	return 0;
}

static void test_history__unreachable_server_is_a_one_line_store_error(void **state)
{
	pg_fix *s = *state;
	char url[128];
	dm_ctx *ctx = hc_ctx();
	dm_history *h = NULL;
	int port = free_port();

	(void)s;
	snprintf(url, sizeof(url), "postgres://u:pw-secret@127.0.0.1:%d/x", port);
	assert_int_equal(dm_history_open(&h, ctx, url), DM_ESTORE);
	assert_null(h);
	assert_null(strchr(dm_ctx_last_error(ctx), '\n'));
	assert_null(strstr(dm_ctx_last_error(ctx), "pw-secret"));
	assert_non_null(strstr(dm_ctx_last_error(ctx), "u:***@127.0.0.1"));
	/* a server that is up but a database that is not */
	snprintf(url, sizeof(url), "postgres://postgres@127.0.0.1:%d/no_such_db", s->port);
	assert_int_equal(dm_history_open(&h, ctx, url), DM_ESTORE);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "no_such_db"));
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		HISTORY_CASES,
		cmocka_unit_test(test_history__unreachable_server_is_a_one_line_store_error),
	};
	return cmocka_run_group_tests_name("history/postgres", tests, group_setup, group_teardown);
}
