/*
 * A plain main() for the libFuzzer harnesses of tests/fuzz/, for builds
 * without libFuzzer (gcc, no clang). A harness compiled with -DDM_FUZZ_MAIN
 * includes this file and becomes a program that feeds every regular file
 * named on the command line, or found (not recursively) in a directory named
 * there, to LLVMFuzzerTestOneInput once:
 *
 *   cc -std=c11 -g -DDM_FUZZ_MAIN -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
 *     -Iinclude -Iscanner -I. $(pkg-config --cflags libxml-2.0) \
 *     tests/fuzz/fuzz_tfstate.c build/libdriftmap.a \
 *     $(pkg-config --libs libgit2 jansson libcurl libxml-2.0 libcgraph libgvc openssl zlib \
 *       sqlite3 libpq yaml-0.1) -lm -ldl -lpthread -o fuzz_tfstate
 *   ./fuzz_tfstate fixtures/fuzz/tfstate fixtures/states
 *
 * (tests/unit/test_fuzz_regress.c does the same for every target under ctest.)
 *
 * Exit status 0 when every input returned; a crash or a sanitizer report
 * ends the program the usual way. Not a fuzzer: no mutation, no coverage.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv);

/* Feed one file; 0 on success, -1 when it cannot be read. */
static int fuzz_main_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	if (!f)
		return -1;
	for (;;) {
		if (len == cap) {
			unsigned char *p;
			cap = cap ? cap * 2 : 65536;
			p = realloc(data, cap);
			if (!p)
				goto done;
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto done;
	LLVMFuzzerTestOneInput(data, len);
	rc = 0;
done:
	free(data);
	fclose(f);
	return rc;
}

static int fuzz_main_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: cannot stat\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (fuzz_main_file(path) != 0) {
			fprintf(stderr, "%s: cannot read\n", path);
			return -1;
		}
		(*count)++;
		return 0;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: cannot open directory\n", path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, e->d_name) >= sizeof(full))
			continue;
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (fuzz_main_file(full) != 0) {
			fprintf(stderr, "%s: cannot read\n", full);
			rc = -1;
			continue;
		}
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (fuzz_main_path(argv[i], &count) != 0)
			rc = 1;
	}
	fprintf(stderr, "%s: %zu inputs\n", argv[0], count);
	return rc;
}
