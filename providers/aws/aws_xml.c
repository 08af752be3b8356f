/*
 * Safe XML for AWS responses (libxml2): a per-call parser context, no
 * network (XML_PARSE_NONET), no entity substitution (XML_PARSE_NOENT is
 * never passed), no DTD loading, and any document carrying a DTD is
 * refused (AWS never sends one; it is how entity bombs and XXE arrive).
 * Also: the three AWS error shapes and the throttling classification.
 */
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <libxml/parser.h>
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_xml.h"

#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

void aws_body_excerpt(const char *body, size_t len, char *out, size_t cap)
{
	size_t i = 0, j = 0;

	if (cap == 0)
		return;
	while (i < len && body && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	for (; body && i < len && j + 1 < cap && j < 40; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\n' || c == '\r')
			break;
		out[j++] = (c < 0x20 || c == 0x7f || c == '\'') ? '?' : (char)c;
	}
	out[j] = '\0';
}

static int looks_like_html(const char *p, size_t n)
{
	static const char *const tags[] = { "<!doctype html", "<html", "<head", "<body" };

	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		size_t tl = strlen(tags[t]);

		if (n >= tl && strncasecmp(p, tags[t], tl) == 0)
			return 1;
	}
	return 0;
}

/* 0 and *out, or -1 (not XML / refused). No error is set. */
static int parse_quiet(const char *body, size_t len, xmlDocPtr *out)
{
	xmlParserCtxtPtr pc = NULL;
	xmlDocPtr doc = NULL;
	size_t i = 0;
	int rc = -1;

	*out = NULL;
	while (body && i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (!body || i >= len || body[i] != '<' || looks_like_html(body + i, len - i))
		goto done;
	if (len > (size_t)2147483647)
		goto done;
	pc = xmlNewParserCtxt();
	if (!pc)
		goto done;
	/*
	 * AWS answers in UTF-8. A declared encoding is not followed: libxml2
	 * reports a failed conversion on stderr whatever the options say.
	 */
	doc = xmlCtxtReadMemory(pc, body, (int)len, NULL, "UTF-8", XML_OPTS);
	if (!doc || !pc->wellFormed || doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc))
		goto done;
	*out = doc;
	doc = NULL;
	rc = 0;
done:
	if (doc)
		xmlFreeDoc(doc);
	if (pc)
		xmlFreeParserCtxt(pc);
	return rc;
}

int aws_xml_parse(dm_ctx *ctx, const char *body, size_t len, const char *api, xmlDocPtr *out)
{
	char ex[48];

	if (parse_quiet(body, len, out) == 0)
		return 0;
	aws_body_excerpt(body, len, ex, sizeof(ex));
	if (len == 0 || !body)
		return dm__error(ctx, DM_EPARSE, "%s: response is not XML (empty body)",
				 api ? api : "aws");
	return dm__error(ctx, DM_EPARSE, "%s: response is not XML (starts with '%s')",
			 api ? api : "aws", ex);
}

xmlNodePtr aws_xml_child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	}
	return NULL;
}

char *aws_xml_text(xmlNodePtr node)
{
	dm_buf b = DM_BUF_INIT;

	if (!node)
		return NULL;
	if (dm__buf_puts(&b, "") < 0)
		return NULL;
	/* direct text only: entity references are never followed */
	for (xmlNodePtr n = node->children; n; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
		    dm__buf_puts(&b, (const char *)n->content) < 0) {
			dm__buf_free(&b);
			return NULL;
		}
	}
	return dm__buf_detach(&b);
}

char *aws_xml_child_text(xmlNodePtr parent, const char *name)
{
	return aws_xml_text(aws_xml_child(parent, name));
}

static xmlNodePtr find_elem(xmlNodePtr n, const char *name, int depth)
{
	for (; n && depth < 8; n = n->next) {
		xmlNodePtr r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		r = find_elem(n->children, name, depth + 1);
		if (r)
			return r;
	}
	return NULL;
}

/* "com.amazonaws...#ThrottlingException" or "ThrottlingException:http://..." → "ThrottlingException" */
char *aws_error_code_clean(const char *s)
{
	const char *hash, *colon;
	size_t n;

	if (!s)
		return NULL;
	hash = strrchr(s, '#');
	if (hash)
		s = hash + 1;
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	return n ? dm__strndup(s, n) : NULL;
}

static const char *json_str(json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(o, *keys);

		if (json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}

void aws_error_parse(const char *body, size_t len, char **code, char **message)
{
	static const char *const ckeys[] = { "__type", "code", "Code", "errorCode", NULL };
	static const char *const mkeys[] = { "message", "Message", "errorMessage", NULL };
	size_t i = 0;

	*code = NULL;
	*message = NULL;
	while (body && i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (!body || i >= len)
		return;
	if (body[i] == '{') {
		json_error_t jerr;
		json_t *root = json_loadb(body + i, len - i, 0, &jerr);

		if (json_is_object(root)) {
			*code = aws_error_code_clean(json_str(root, ckeys));
			*message = dm__strdup(json_str(root, mkeys));
		}
		json_decref(root);
		return;
	}
	{
		xmlDocPtr doc = NULL;
		xmlNodePtr err;

		if (parse_quiet(body, len, &doc) < 0)
			return;
		err = find_elem(xmlDocGetRootElement(doc), "Error", 0);
		if (err) {
			char *c = aws_xml_child_text(err, "Code");

			*code = aws_error_code_clean(c);
			free(c);
			*message = aws_xml_child_text(err, "Message");
		}
		xmlFreeDoc(doc);
	}
}

int aws_error_is_throttle(const char *code, long status)
{
	static const char *const codes[] = {
		"RequestLimitExceeded", "Throttling", "ThrottlingException",
		"TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
		"ThrottledException", "EC2ThrottledException", "SlowDown",
		"ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
		"PriorRequestNotComplete", "TransactionInProgressException",
	};

	if (status == 429)
		return 1;
	if (code) {
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			if (strcmp(code, codes[i]) == 0)
				return 1;
		}
	}
	return status == 503;
}
