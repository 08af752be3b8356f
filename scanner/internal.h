/*
 * driftmap — internal helpers shared across the library (never installed).
 * Names: dm__<name>.
 */
#ifndef DRIFTMAP_INTERNAL_H
#define DRIFTMAP_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include "driftmap/driftmap.h"
#include "driftmap/sys/provider.h"

/* ---- errors and logging (ctx.c) ---------------------------------------- */

/** Set the context's error (one line; newlines are folded). Returns code. */
int dm__error(dm_ctx *ctx, int code, const char *fmt, ...) DM_PRINTF(3, 4);
void dm__log(dm_ctx *ctx, dm_log_level level, const char *fmt, ...) DM_PRINTF(3, 4);

/* ---- allocation (util/alloc.c) ----------------------------------------- */

/** calloc with overflow-checked n*size; NULL on failure or overflow. */
void *dm__calloc(size_t n, size_t size);
/** realloc of n*size with overflow check. */
void *dm__reallocarray(void *p, size_t n, size_t size);
/**
 * Zeroed memory for big, long-lived blocks (arena chunks): from 2 MiB up it
 * is a mapping aligned for transparent huge pages, so first touch costs one
 * fault per 2 MiB instead of one per 4 KiB. Free with dm__big_free(p, size).
 */
void *dm__big_alloc(size_t size);
void dm__big_free(void *p, size_t size);
char *dm__strdup(const char *s);          /* NULL in, NULL out */
char *dm__strndup(const char *s, size_t n);
/** Grow *arr (of *cap elements of size `size`) to hold at least `need`. 0 or DM_ENOMEM. */
int dm__grow(void **arr, size_t *cap, size_t need, size_t size);

/* ---- growable buffer with a hard maximum (util/buf.c) ------------------ */

typedef struct dm_buf {
	char *ptr;      /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;     /* hard limit; 0 = 64 MiB default */
} dm_buf;

#define DM_BUF_INIT { NULL, 0, 0, 0 }

void dm__buf_init(dm_buf *b, size_t max);
int dm__buf_put(dm_buf *b, const void *data, size_t len);   /* 0, DM_ENOMEM, DM_ETOOBIG */
int dm__buf_puts(dm_buf *b, const char *s);
int dm__buf_putc(dm_buf *b, char c);
int dm__buf_printf(dm_buf *b, const char *fmt, ...) DM_PRINTF(2, 3);
void dm__buf_reset(dm_buf *b);                                /* len = 0, keeps memory */
void dm__buf_free(dm_buf *b);
/** Hand the buffer's string to the caller (who frees it); the buffer is emptied. */
char *dm__buf_detach(dm_buf *b);

/* ---- string arena (util/arena.c) ---------------------------------------- */

typedef struct dm_arena dm_arena;
int dm__arena_new(dm_arena **out);
void dm__arena_free(dm_arena *a);
void *dm__arena_alloc(dm_arena *a, size_t size);       /* 8-aligned, zeroed */
const char *dm__arena_strdup(dm_arena *a, const char *s); /* NULL in, NULL out */
const char *dm__arena_strndup(dm_arena *a, const char *s, size_t n);

/* ---- hashing and hash map (util/hashmap.c) ------------------------------ */

uint64_t dm__hash_bytes(const void *data, size_t len, uint64_t seed);
uint64_t dm__hash_str(const char *s);

/**
 * Open-addressing map from string keys to void* values. Keys are borrowed
 * (the caller keeps them alive, e.g. in an arena). Duplicates: put() replaces.
 */
typedef struct dm_strmap dm_strmap;
int dm__strmap_new(dm_strmap **out, size_t expected);
void dm__strmap_free(dm_strmap *m);
int dm__strmap_put(dm_strmap *m, const char *key, void *value);
void *dm__strmap_get(const dm_strmap *m, const char *key);
size_t dm__strmap_count(const dm_strmap *m);
/** Iterate: *it starts at 0; returns 0 when done. */
int dm__strmap_next(const dm_strmap *m, size_t *it, const char **key, void **value);

/* ---- misc (util/misc.c) ------------------------------------------------- */

/** Read a whole file (limit max bytes) into a NUL-terminated buffer. */
int dm__read_file(dm_ctx *ctx, const char *path, size_t max, char **out, size_t *out_len);
/**
 * A whole file's bytes, NUL-terminated, to be kept for the life of an
 * inventory: big regular files are a read-only private mapping (no copy, no
 * zero-filled pages), everything else is malloc'd. data is never written.
 */
typedef struct dm_blob {
	char *data;
	size_t len;
	size_t maplen;   /* > 0: data is a mapping of that many bytes */
} dm_blob;
int dm__blob_read_file(dm_ctx *ctx, const char *path, size_t max, dm_blob *out);
/** Take a malloc'd buffer (NUL-terminated) as a blob. */
void dm__blob_from_heap(dm_blob *b, char *data, size_t len);
/** Release the bytes (no-op on an empty or adopted blob). */
void dm__blob_free(dm_blob *b);
/** Read a whole FILE* stream. */
int dm__read_stream(dm_ctx *ctx, FILE *f, const char *what, size_t max, char **out, size_t *out_len);
/** Write data to path atomically (temp file in the same directory + rename). */
int dm__write_file_atomic(dm_ctx *ctx, const char *path, const char *data, size_t len);
/** RFC 3339 UTC time ("2026-11-23T10:00:00Z") into buf (>= 21 bytes). */
void dm__rfc3339(long long unix_seconds, char *buf, size_t cap);
/** SHA-256 of data as lowercase hex into out (65 bytes). */
void dm__sha256_hex(const void *data, size_t len, char out[65]);
/** Glob match with `*` (not crossing '/'), `**` (crossing '/'), `?`. 1 on match. */
int dm__glob_match(const char *pattern, const char *path);
/** Does s contain any glob metacharacter? */
int dm__has_glob(const char *s);
/** mkdir -p. */
int dm__mkdirs(dm_ctx *ctx, const char *path);
/** Parse a long long strictly (whole string). 0 ok, -1 bad. */
int dm__parse_ll(const char *s, long long *out);
/** Percent-decode (RFC 3986; '+' is kept). Caller frees; NULL in or on allocation failure. */
char *dm__url_decode(const char *s);
/**
 * Parse an IAM policy document given as JSON text, raw or percent-encoded (as
 * IAM returns it). New reference; NULL when it is not JSON or over 1 MiB.
 */
json_t *dm__policy_parse(const char *text);
/** Canonical JSON text of a value (sorted keys, compact) — caller frees. */
char *dm__json_canonical(const json_t *v);

/* ---- lazy resources (inventory.c) --------------------------------------- */

#include "util/jscan.h"

/**
 * Hand a document buffer and its tape to the inventory, which frees both
 * with itself (buf with dm__blob_free, doc with dm__jdoc_free + free). On
 * success *buf is emptied.
 */
int dm__inventory_adopt(dm_inventory *inv, dm_blob *buf, dm_jdoc *doc);
/**
 * Add a resource whose attributes stay as the raw JSON object `attrs` (a
 * span of an adopted document) until first used. tmpl->attrs must be NULL.
 */
int dm__inventory_add_lazy(dm_inventory *inv, const dm_resource *tmpl, dm_jspan attrs,
			   dm_resource **out);

/**
 * Call fn(key, ud) for every top-level attribute of r whose value is not
 * null, without materialising lazily loaded attributes. Stops at the first
 * non-zero return and returns it.
 */
int dm__resource_nonnull_keys(const dm_resource *r, int (*fn)(const char *key, void *ud), void *ud);
/**
 * Do two lazily loaded resources (neither materialised) hold the same JSON
 * text for each of the n keys (absent on both sides counts as equal)? 0 when
 * either is not raw.
 */
int dm__raw_keys_equal(const dm_resource *s, const dm_resource *l, const char *const *keys,
		       size_t n);
/**
 * Decode a string span into an arena (no heap copy when it has no escapes).
 * NULL when the span is not a string, or on allocation failure.
 */
const char *dm__jspan_arena_str(dm_arena *a, dm_jspan str);
/**
 * The raw attribute object of a lazily loaded resource that was never
 * materialised whole (r->attrs NULL): 1 and *out set, else 0. Lets hot
 * paths read values straight from the text without building jansson trees.
 */
int dm__resource_raw(const dm_resource *r, dm_jspan *out);

/* ---- context internals ----------------------------------------------- */

struct dm_registry; /* providers/registry.c */

struct dm_ctx {
	char err[1024];
	int err_code;
	dm_log_fn log_fn;
	void *log_ud;
	dm_log_level log_level;
	char *cache_dir;
	struct dm_registry *registry;
	int git_ready; /* dm__git_init() ran for this context */
};

/*
 * libgit2 is started on first use (a git state source, a source locator),
 * not with every context: its start parses the system CA bundle (~6 ms),
 * which runs without a git source do not need. Released by dm_ctx_free.
 */
int dm__git_init(dm_ctx *ctx);

/* Make room for extra more bytes at once (a writer that knows its size): 0, DM_ENOMEM, DM_ETOOBIG. */
int dm__buf_reserve(dm_buf *b, size_t extra);

/* providers/registry.c */
int dm__registry_new(struct dm_registry **out);
void dm__registry_free(struct dm_registry *r);

#endif
