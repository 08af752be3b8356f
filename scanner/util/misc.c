/* driftmap — file I/O, time, hashing, glob and number helpers. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "internal.h"

/* Files this big are mapped instead of copied. */
#define BLOB_MAP_MIN ((size_t)1 << 20)

void dm__blob_from_heap(dm_blob *b, char *data, size_t len)
{
	b->data = data;
	b->len = len;
	b->maplen = 0;
}

void dm__blob_free(dm_blob *b)
{
	if (!b || !b->data)
		return;
	if (b->maplen)
		munmap(b->data, b->maplen);
	else
		free(b->data);
	b->data = NULL;
	b->len = b->maplen = 0;
}

/*
 * Map a regular file read-only. Only when its size is not a multiple of the
 * page size: the mapping's tail is then zero-filled, so data[len] is a NUL
 * like a read buffer's. 1 mapped, 0 not possible (caller reads), <0 error.
 */
static int blob_map(const char *path, size_t max, dm_blob *out)
{
	struct stat st;
	long page = sysconf(_SC_PAGESIZE);
	void *m;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > (unsigned long long)max ||
	    (size_t)st.st_size < BLOB_MAP_MIN || page <= 0 || st.st_size % page == 0) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	out->data = m;
	out->len = (size_t)st.st_size;
	out->maplen = (size_t)st.st_size;
	return 1;
}

int dm__blob_read_file(dm_ctx *ctx, const char *path, size_t max, dm_blob *out)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (blob_map(path, max, out) == 1)
		return 0;
	rc = dm__read_file(ctx, path, max, &data, &len);
	if (rc < 0)
		return rc;
	dm__blob_from_heap(out, data, len);
	return 0;
}

int dm__read_stream(dm_ctx *ctx, FILE *f, const char *what, size_t max, char **out, size_t *out_len)
{
	dm_buf b;
	char chunk[65536];
	size_t n;
	int rc;

	dm__buf_init(&b, max);
	*out = NULL;
	if (out_len)
		*out_len = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = dm__buf_put(&b, chunk, n);
		if (rc == DM_ETOOBIG) {
			dm__buf_free(&b);
			return dm__error(ctx, DM_ETOOBIG, "%s: larger than the limit of %zu bytes", what, max);
		} else if (rc < 0) {
			dm__buf_free(&b);
			return dm__error(ctx, rc, "%s: out of memory", what);
		}
	}
	if (ferror(f)) {
		dm__buf_free(&b);
		return dm__error(ctx, DM_EIO, "%s: read error: %s", what, strerror(errno));
	}
	if (out_len)
		*out_len = b.len;
	*out = dm__buf_detach(&b);
	return *out ? 0 : dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);
}

int dm__read_file(dm_ctx *ctx, const char *path, size_t max, char **out, size_t *out_len)
{
	FILE *f;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return dm__error(ctx, DM_EIO, "%s: is a directory", path);
	f = fopen(path, "rb");
	if (!f)
		return dm__error(ctx, errno == ENOENT ? DM_ENOTFOUND : DM_EIO, "%s: %s", path,
				 strerror(errno));
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long)st.st_size <= max) {
		/* regular file: one read into a buffer of the right size */
		size_t n = (size_t)st.st_size, got;
		char *buf = malloc(n + 1);
		if (!buf) {
			fclose(f);
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory (%zu bytes)", path, n);
		}
		got = fread(buf, 1, n, f);
		if (got == n && fgetc(f) == EOF && !ferror(f)) {
			buf[n] = '\0';
			fclose(f);
			*out = buf;
			if (out_len)
				*out_len = n;
			return 0;
		}
		free(buf);
		if (fseek(f, 0, SEEK_SET) != 0) {
			fclose(f);
			return dm__error(ctx, DM_EIO, "%s: changed while being read", path);
		}
	}
	rc = dm__read_stream(ctx, f, path, max, out, out_len);
	fclose(f);
	return rc;
}

int dm__write_file_atomic(dm_ctx *ctx, const char *path, const char *data, size_t len)
{
	dm_buf tmp = DM_BUF_INIT;
	FILE *f = NULL;
	int rc = 0;

	if (dm__buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	f = fopen(tmp.ptr, "wb");
	if (!f) {
		rc = dm__error(ctx, DM_EIO, "%s: cannot write: %s", path, strerror(errno));
		goto done;
	}
	if ((len && fwrite(data, 1, len, f) != len) || fflush(f) != 0) {
		rc = dm__error(ctx, DM_EIO, "%s: write failed: %s", path, strerror(errno));
		fclose(f);
		unlink(tmp.ptr);
		goto done;
	}
	if (fclose(f) != 0) {
		rc = dm__error(ctx, DM_EIO, "%s: write failed: %s", path, strerror(errno));
		unlink(tmp.ptr);
		goto done;
	}
	if (rename(tmp.ptr, path) != 0) {
		rc = dm__error(ctx, DM_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
		unlink(tmp.ptr);
	}
done:
	dm__buf_free(&tmp);
	return rc;
}

void dm__rfc3339(long long unix_seconds, char *buf, size_t cap)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (cap)
			buf[0] = '\0';
	}
}

void dm__sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		mdlen = 0;
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

int dm__has_glob(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

/*
 * Recursive matcher: a single star matches within a path segment, a double
 * star across segments (double star + slash also matches zero segments), a
 * question mark one character other than the slash.
 */
static int glob_rec(const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;
			if (*rest == '/') {
				/* zero segments */
				if (glob_rec(rest + 1, s))
					return 1;
			}
			for (;; s++) {
				if (glob_rec(rest, s))
					return 1;
				if (!*s)
					return 0;
			}
		}
		if (*p == '*') {
			const char *rest = p + 1;
			for (;; s++) {
				if (glob_rec(rest, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
		} else if (*p != *s) {
			return 0;
		}
		p++;
		s++;
	}
	return *s == '\0';
}

int dm__glob_match(const char *pattern, const char *path)
{
	if (!pattern || !path)
		return 0;
	return glob_rec(pattern, path);
}

int dm__mkdirs(dm_ctx *ctx, const char *path)
{
	char *p = dm__strdup(path);
	size_t i, len;
	int rc = 0;

	if (!p)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	len = strlen(p);
	for (i = 1; i <= len; i++) {
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];
			p[i] = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				rc = dm__error(ctx, DM_EIO, "%s: cannot create directory: %s", p,
					       strerror(errno));
				break;
			}
			p[i] = c;
		}
	}
	free(p);
	return rc;
}

int dm__parse_ll(const char *s, long long *out)
{
	char *end = NULL;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !end || *end)
		return -1;
	*out = v;
	return 0;
}

char *dm__json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *dm__url_decode(const char *s)
{
	size_t n, i, j = 0;
	char *out;

	if (!s)
		return NULL;
	n = strlen(s);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int hi = -1, lo = -1;
		if (s[i] == '%' && i + 2 < n) {
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
		}
		if (hi >= 0 && lo >= 0) {
			out[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}
