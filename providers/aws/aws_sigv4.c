/*
 * AWS Signature Version 4 (header form), with OpenSSL.
 *
 * Canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n HASH.
 * URI: S3 uses the path as sent; other services URI-encode it once more
 * (the SDKs' "double encoding"). QUERY: names and values re-encoded with the
 * SigV4 unreserved set, sorted. HEADERS: lower-case names, values trimmed
 * with inner runs of spaces collapsed, sorted, duplicates joined with ','.
 */
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "providers/aws/aws_sigv4.h"

#define SIGV4_MAX_TEXT (64u * 1024u * 1024u + 65536u)

typedef struct kv {
	char *k;
	char *v;
} kv;

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return DM_ERROR;
	hex_encode(md, 32, out);
	return 0;
}

static int hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int outlen = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out,
		  &outlen) ||
	    outlen != 32)
		return DM_ERROR;
	return 0;
}

void aws_sigv4_amz_date(long long unix_seconds, char out[17])
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	gmtime_r(&t, &tm);
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
		out[0] = '\0';
}

static int kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

static void kv_free(kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].k);
		free(v[i].v);
	}
	free(v);
}

/* Re-encode one query component: decode what was sent, encode per SigV4. */
static char *query_component(const char *s, size_t n)
{
	char *raw = dm__strndup(s, n), *dec = NULL, *enc = NULL;

	if (!raw)
		return NULL;
	dec = aws_url_decode(raw);
	if (dec)
		enc = aws_uri_encode(dec, 1);
	free(raw);
	free(dec);
	return enc;
}

static int canonical_query(dm_buf *b, const char *query)
{
	kv *items = NULL;
	size_t n = 0, cap = 0;
	const char *p = query;
	int rc = 0;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;

		if (len > 0) {
			rc = dm__grow((void **)&items, &cap, n + 1, sizeof(*items));
			if (rc < 0)
				goto done;
			items[n].k = query_component(p, klen);
			items[n].v = eq ? query_component(eq + 1, len - klen - 1) : dm__strdup("");
			n++;
			if (!items[n - 1].k || !items[n - 1].v) {
				rc = DM_ENOMEM;
				goto done;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	if (n > 1)
		qsort(items, n, sizeof(*items), kv_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = dm__buf_printf(b, "%s%s=%s", i ? "&" : "", items[i].k, items[i].v);
done:
	kv_free(items, n);
	return rc;
}

/* Lower-case name; value trimmed, inner whitespace runs collapsed to one space. */
static int header_item(kv *out, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), j = 0;
	int space = 0;

	out->k = dm__strndup(name, nl);
	out->v = dm__calloc(vl + 1, 1);
	if (!out->k || !out->v)
		return DM_ENOMEM;
	for (size_t i = 0; i < nl; i++) {
		char c = out->k[i];

		if (c >= 'A' && c <= 'Z')
			out->k[i] = (char)(c - 'A' + 'a');
	}
	for (size_t i = 0; i < vl; i++) {
		char c = value[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = j > 0;
			continue;
		}
		if (space)
			out->v[j++] = ' ';
		space = 0;
		out->v[j++] = c;
	}
	out->v[j] = '\0';
	return 0;
}

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static const char *secret_of(const aws_creds *c)
{
	return c->secret_access_key ? c->secret_access_key : "";
}

/*
 * Build canonical request, string to sign and the signed-headers list.
 */
static int build(const aws_sign_input *in, const aws_creds *creds, char payload_hash[65],
		 char **out_creq, char **out_sts, char **out_signed)
{
	dm_buf creq = DM_BUF_INIT, sts = DM_BUF_INIT, sh = DM_BUF_INIT;
	kv *h = NULL;
	size_t nh = 0, cap;
	char creq_hash[65];
	int rc = DM_EINVAL;

	dm__buf_init(&creq, SIGV4_MAX_TEXT);
	if (!in || !creds || !in->method || !in->host || !in->region || !in->service ||
	    !in->amz_date || strlen(in->amz_date) < 8)
		goto done;
	rc = DM_ERROR;
	if (sha256_hex(in->body, in->body ? in->body_len : 0, payload_hash) < 0)
		goto done;

	cap = in->nheaders + 4;
	h = dm__calloc(cap, sizeof(*h));
	rc = DM_ENOMEM;
	if (!h)
		goto done;
	if (header_item(&h[nh++], "host", in->host) < 0 ||
	    header_item(&h[nh++], "x-amz-date", in->amz_date) < 0)
		goto done;
	if (creds->session_token && *creds->session_token &&
	    header_item(&h[nh++], "x-amz-security-token", creds->session_token) < 0)
		goto done;
	if (in->s3_payload_header && header_item(&h[nh++], "x-amz-content-sha256", payload_hash) < 0)
		goto done;
	for (size_t i = 0; i < in->nheaders; i++) {
		if (!in->headers[i].name || !in->headers[i].value)
			continue;
		if (header_item(&h[nh++], in->headers[i].name, in->headers[i].value) < 0)
			goto done;
	}
	/* stable enough: merge equal names in insertion order after sorting */
	for (size_t i = 1; i < nh; i++) {
		for (size_t j = i; j > 0 && hdr_cmp(&h[j - 1], &h[j]) > 0; j--) {
			kv t = h[j];

			h[j] = h[j - 1];
			h[j - 1] = t;
		}
	}

	/* method, URI, query */
	rc = dm__buf_printf(&creq, "%s\n", in->method);
	if (rc < 0)
		goto done;
	{
		const char *path = in->path && *in->path ? in->path : "/";

		if (strcmp(in->service, "s3") == 0) {
			rc = dm__buf_puts(&creq, path);
		} else {
			char *enc = aws_uri_encode(path, 0);

			rc = enc ? dm__buf_puts(&creq, enc) : DM_ENOMEM;
			free(enc);
		}
	}
	if (rc == 0)
		rc = dm__buf_putc(&creq, '\n');
	if (rc == 0)
		rc = canonical_query(&creq, in->query);
	if (rc == 0)
		rc = dm__buf_putc(&creq, '\n');
	for (size_t i = 0; i < nh && rc == 0; i++) {
		if (i > 0 && strcmp(h[i - 1].k, h[i].k) == 0) {
			rc = dm__buf_printf(&creq, ",%s", h[i].v);
			continue;
		}
		if (i > 0)
			rc = dm__buf_putc(&creq, '\n');
		if (rc == 0)
			rc = dm__buf_printf(&creq, "%s:%s", h[i].k, h[i].v);
		if (rc == 0)
			rc = dm__buf_printf(&sh, "%s%s", sh.len ? ";" : "", h[i].k);
	}
	if (rc == 0)
		rc = dm__buf_printf(&creq, "\n\n%s\n%s", sh.ptr ? sh.ptr : "", payload_hash);
	if (rc < 0)
		goto done;

	rc = DM_ERROR;
	if (sha256_hex(creq.ptr, creq.len, creq_hash) < 0)
		goto done;
	rc = dm__buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", in->amz_date,
			    in->amz_date, in->region, in->service, creq_hash);
	if (rc < 0)
		goto done;
	if (out_creq)
		*out_creq = dm__buf_detach(&creq);
	if (out_sts)
		*out_sts = dm__buf_detach(&sts);
	if (out_signed)
		*out_signed = dm__buf_detach(&sh);
	rc = 0;
done:
	kv_free(h, nh);
	dm__buf_free(&creq);
	dm__buf_free(&sts);
	dm__buf_free(&sh);
	return rc;
}

int aws_sigv4_debug(const aws_sign_input *in, const aws_creds *creds, char **out_creq,
		    char **out_sts)
{
	char hash[65];

	return build(in, creds, hash, out_creq, out_sts, NULL);
}

int aws_sigv4_sign(const aws_sign_input *in, const aws_creds *creds, char **out_auth,
		   char out_payload_hash[65])
{
	char *sts = NULL, *sh = NULL, *key = NULL, date[9];
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	char sighex[65], hash[65];
	dm_buf auth = DM_BUF_INIT;
	size_t klen;
	int rc;

	*out_auth = NULL;
	rc = build(in, creds, hash, NULL, &sts, &sh);
	if (rc < 0)
		goto done;
	if (out_payload_hash)
		memcpy(out_payload_hash, hash, 65);
	memcpy(date, in->amz_date, 8);
	date[8] = '\0';

	klen = strlen(secret_of(creds)) + 4;
	key = dm__calloc(klen + 1, 1);
	rc = DM_ENOMEM;
	if (!key)
		goto done;
	memcpy(key, "AWS4", 4);
	memcpy(key + 4, secret_of(creds), klen - 4);
	rc = DM_ERROR;
	if (hmac(key, klen, date, k1) < 0 || hmac(k1, 32, in->region, k2) < 0 ||
	    hmac(k2, 32, in->service, k3) < 0 || hmac(k3, 32, "aws4_request", k4) < 0 ||
	    hmac(k4, 32, sts, sig) < 0)
		goto done;
	hex_encode(sig, 32, sighex);
	rc = dm__buf_printf(&auth,
			    "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
			    "SignedHeaders=%s, Signature=%s",
			    creds->access_key_id ? creds->access_key_id : "", date, in->region,
			    in->service, sh, sighex);
	if (rc < 0)
		goto done;
	*out_auth = dm__buf_detach(&auth);
done:
	if (key) {
		OPENSSL_cleanse(key, klen);
		free(key);
	}
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	OPENSSL_cleanse(k4, sizeof(k4));
	dm__buf_free(&auth);
	free(sts);
	free(sh);
	return rc;
}
