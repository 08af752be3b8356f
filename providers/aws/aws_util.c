/*
 * Small string helpers of the AWS wire protocol: SigV4 URI encoding,
 * percent-decoding, Query API bodies.
 */
#include <string.h>
#include "providers/aws/aws_internal.h"

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int uri_encode_into(dm_buf *b, const char *s, int encode_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
		if (is_unreserved(*p) || (*p == '/' && !encode_slash)) {
			rc = dm__buf_putc(b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			rc = dm__buf_put(b, enc, 3);
		}
	}
	return rc;
}

char *aws_uri_encode(const char *s, int encode_slash)
{
	dm_buf b = DM_BUF_INIT;

	if (!s)
		return NULL;
	if (dm__buf_puts(&b, "") < 0 || uri_encode_into(&b, s, encode_slash) < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}


/* Percent-decoding; '+' is kept as is (AWS policy documents use %20). */
char *aws_url_decode(const char *s)
{
	return dm__url_decode(s);
}

char *aws_query_body(const char *action, const char *version, const char *const *kv, size_t nkv)
{
	dm_buf b = DM_BUF_INIT;
	int rc;

	rc = dm__buf_puts(&b, "Action=");
	if (rc == 0)
		rc = uri_encode_into(&b, action ? action : "", 1);
	if (rc == 0 && version) {
		rc = dm__buf_puts(&b, "&Version=");
		if (rc == 0)
			rc = uri_encode_into(&b, version, 1);
	}
	for (size_t i = 0; rc == 0 && i < nkv; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];

		if (!k)
			continue;
		rc = dm__buf_putc(&b, '&');
		if (rc == 0)
			rc = uri_encode_into(&b, k, 1);
		if (rc == 0)
			rc = dm__buf_putc(&b, '=');
		if (rc == 0)
			rc = uri_encode_into(&b, v ? v : "", 1);
	}
	if (rc < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}
