/* SPDX-License-Identifier: ISC */
/* cgiparse.c -- parse a CGI script's response head (RFC 3875 section 6) */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static size_t
cgi_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* "Status: 404 Not Found" */
static int
cgi_status(const char *v, struct cgi_response *r)
{
	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
	    !isdigit((unsigned char)v[2]) || (v[3] != ' ' && v[3] != '\0'))
		return -1;
	r->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
	if (r->status < 100 || r->status > 599)
		return -1;
	strlcpy(r->reason, v[3] ? v + 4 : "", sizeof(r->reason));
	for (char *p = r->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	return 0;
}

/* A length the script promises: then a cut body is told by it. */
static int
cgi_length(const char *v, struct cgi_response *r)
{
	size_t n = strlen(v);

	if (n == 0 || n > 18 || strspn(v, "0123456789") != n)
		return -1;
	r->length = 0;
	for (; *v; v++)
		r->length = r->length * 10 + (*v - '0');
	return 0;
}

static int
cgi_field(char *line, struct cgi_response *r)
{
	char *colon = strchr(line, ':');

	if (colon == NULL || colon == line)
		return -1;
	for (char *p = line; p < colon; p++)
		if (!isgraph((unsigned char)*p))
			return -1;
	*colon = '\0';
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	/* No control bytes pass into our response head (DEL included). */
	for (char *p = v; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return -1;
	if (strcasecmp(line, "Status") == 0)
		return r->status ? -1 : cgi_status(v, r);
	if (strcasecmp(line, "Location") == 0)
		return r->location ? -1 : (r->location = v, 0);
	if (strcasecmp(line, "Content-Type") == 0)
		return r->content_type ? -1 : (r->content_type = v, 0);
	if (strcasecmp(line, "Content-Length") == 0)
		return r->length != -1 ? -1 : cgi_length(v, r);
	/* The rest of the framing is ours to decide. */
	if (strcasecmp(line, "Connection") == 0 ||
	    strcasecmp(line, "Transfer-Encoding") == 0 ||
	    strcasecmp(line, "Keep-Alive") == 0)
		return 0;
	if (r->n_other == HTTP_MAX_HEADER_FIELDS)
		return -1;
	r->other[r->n_other].name = line;
	r->other[r->n_other].value = v;
	r->n_other++;
	return 0;
}

int
cgi_parse_response(const char *buf, size_t len, struct cgi_response *r)
{
	memset(r, 0, sizeof(*r));
	r->length = -1;
	size_t end = cgi_head_end(buf, len);
	if (end == 0)
		return len > HTTP_MAX_HEADER_BYTES ? -1 : 1;
	if (memchr(buf, '\0', end) != NULL ||
	    (r->raw = malloc(end + 1)) == NULL)
		return -1;
	memcpy(r->raw, buf, end);
	r->raw[end] = '\0';
	r->head_len = end;
	for (char *line = r->raw; *line && *line != '\r' && *line != '\n';) {
		char *nl = strchr(line, '\n');
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		*nl = '\0';
		if (cgi_field(line, r) == -1) {
			cgi_response_free(r);
			return -1;
		}
		line = nl + 1;
	}
	/* At least one CGI field; a body needs a type (RFC 3875 6.2). */
	if (r->content_type == NULL && r->location == NULL && r->status == 0) {
		cgi_response_free(r);
		return -1;
	}
	return 0;
}

void
cgi_response_free(struct cgi_response *r)
{
	free(r->raw);
	r->raw = NULL;
}

bool
cgi_status_has_body(int status)
{
	/* RFC 9110 6.4.1: never a body with 1xx, 204 or 304. */
	return status >= 200 && status != 204 && status != 304;
}

enum cgi_action
cgi_response_action(const struct cgi_response *r, bool may_redirect,
                    int *status)
{
	*status = r->status ? r->status : (r->location ? 302 : 200);
	/* An interim status cannot end an exchange (RFC 9110 15.2). */
	if (*status < 200)
		return CGI_BAD_GATEWAY;
	/* RFC 3875 6.2.2: a bare local path, no Status: served by us. */
	if (r->location != NULL && r->location[0] == '/' && r->status == 0 &&
	    may_redirect)
		return CGI_LOCAL_REDIRECT;
	return CGI_RESPOND;
}

int
cgi_nph_status(const char *buf, size_t len, size_t *head_len)
{
	*head_len = cgi_head_end(buf, len);
	if (*head_len == 0)
		return len > HTTP_MAX_HEADER_BYTES ? -1 : 0;
	/* "HTTP/1.x NNN": the status a non-parsed-header script sends. */
	if (*head_len < 13 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) ||
	    (buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n'))
		return -1;
	int code =
	    (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	return code >= 100 && code <= 599 ? code : -1;
}
