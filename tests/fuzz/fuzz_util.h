/*
 * Helpers shared by the libFuzzer harnesses of tests/fuzz/ (header-only so
 * that tests/unit/test_fuzz_regress.c can include several harnesses in one
 * program).
 *
 * Every harness defines DM_FUZZ_ENTRY (LLVMFuzzerTestOneInput unless the
 * includer renames it) and, with -DDM_FUZZ_MAIN, includes fuzz_main.c to
 * become a plain program without libFuzzer.
 */
#ifndef DM_FUZZ_UTIL_H
#define DM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "driftmap/driftmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run on a broken invariant: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond)                                                                    \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                           \
			abort();                                                            \
		}                                                                           \
	} while (0)

/*
 * One context for the whole run (dm_ctx_new initialises libcurl once);
 * fuzz_ctx_begin() also forgets the previous input's error.
 */
static inline dm_ctx *fuzz_ctx(void)
{
	static dm_ctx *ctx;

	if (!ctx && dm_ctx_new(&ctx) != 0)
		abort();
	return ctx;
}

static inline dm_ctx *fuzz_ctx_begin(void)
{
	dm_ctx *ctx = fuzz_ctx();

	dm_ctx_clear_error(ctx);
	return ctx;
}

/* A NUL-terminated heap copy of the input (the parsers that take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char fuzz_tmp_path[64];

static inline void fuzz_tmp_unlink(void)
{
	if (fuzz_tmp_path[0])
		unlink(fuzz_tmp_path);
}

/*
 * Write the input to this process's scratch file and return its path (for
 * the loaders that take a path). One file per process, rewritten per input
 * and removed at exit.
 */
static inline const char *fuzz_tmpfile(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!fuzz_tmp_path[0]) {
		const char *dir = getenv("TMPDIR");
		int fd;
		if (!dir || !*dir)
			dir = "/tmp";
		if ((size_t)snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "%s/dm-fuzz-XXXXXX", dir) >=
		    sizeof(fuzz_tmp_path))
			snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "/tmp/dm-fuzz-XXXXXX");
		fd = mkstemp(fuzz_tmp_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(fuzz_tmp_unlink);
	}
	f = fopen(fuzz_tmp_path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return fuzz_tmp_path;
}

/* After a failure the context holds one non-empty line. */
static inline void fuzz_check_error(int rc)
{
	const char *msg;

	if (rc >= 0)
		return;
	msg = dm_ctx_last_error(fuzz_ctx());
	FUZZ_CHECK(msg && msg[0] && !strchr(msg, '\n'));
}

#endif
