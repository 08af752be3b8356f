/*
 * Extra XML/error helpers of providers/aws (beyond aws_internal.h).
 */
#ifndef DM_AWS_XML_H
#define DM_AWS_XML_H

#include <libxml/tree.h>

/** Direct text of an element (entity references never followed); malloc'd or NULL. */
char *aws_xml_text(xmlNodePtr node);
/** Printable one-line start of a body (<= 40 chars) into out, for error messages. */
void aws_body_excerpt(const char *body, size_t len, char *out, size_t cap);
/** Strip "prefix#" and ":suffix" from an AWS error code; malloc'd or NULL. */
char *aws_error_code_clean(const char *s);

#endif
