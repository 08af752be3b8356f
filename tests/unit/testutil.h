/* driftmap — helpers shared by the cmocka unit tests. */
#ifndef DM_TESTUTIL_H
#define DM_TESTUTIL_H

#include <stddef.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/** Absolute path of fixtures/<rel> (rotating static buffers: valid for 8 calls). */
const char *tu_fixture(const char *rel);
/** Whole file, NUL-terminated, malloc'd; NULL when unreadable. */
char *tu_read_file(const char *path, size_t *len);
/** Write a file (creating it); 0 on success. */
int tu_write_file(const char *path, const char *data, size_t len);
/** New temp directory (malloc'd path). */
char *tu_mkdtemp(void);
/** rm -rf. */
void tu_rmrf(const char *dir);
/** Compare with fixtures/<rel>; with DM_UPDATE_GOLDEN=1 rewrite it instead. */
void tu_golden(const char *fixture_rel, const char *actual);
/** Run a shell command (printf-style); returns its exit status (-1 on failure to run). */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
