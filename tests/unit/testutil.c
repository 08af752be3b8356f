/* driftmap — helpers shared by the cmocka unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "testutil.h"

const char *tu_fixture(const char *rel)
{
	static char bufs[8][4096];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", DM_FIXTURES_DIR, rel);
	return b;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		}
		if (data) {
			data[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

int tu_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

char *tu_mkdtemp(void)
{
	char tmpl[] = "/tmp/dmtest.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

void tu_rmrf(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/", 5) == 0)
		tu_sh("rm -rf '%s'", dir);
}

void tu_golden(const char *fixture_rel, const char *actual)
{
	const char *path = tu_fixture(fixture_rel);
	const char *upd = getenv("DM_UPDATE_GOLDEN");
	char *expected;

	if (upd && strcmp(upd, "1") == 0) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
		if (system(cmd) != 0)
			fail_msg("cannot create the folder of %s", path);
		if (tu_write_file(path, actual, strlen(actual)) != 0)
			fail_msg("cannot write golden file %s", path);
		return;
	}
	expected = tu_read_file(path, NULL);
	if (!expected)
		fail_msg("golden file %s is missing (run with DM_UPDATE_GOLDEN=1 to create it)", path);
	if (strcmp(expected, actual) != 0) {
		char out[4200];
		snprintf(out, sizeof(out), "%s.actual", path);
		tu_write_file(out, actual, strlen(actual));
		free(expected);
		fail_msg("output differs from golden file %s (actual written to %s)", path, out);
	}
	free(expected);
}

int tu_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
