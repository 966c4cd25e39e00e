/* SPDX-License-Identifier: ISC */
/* request.c -- parse an HTTP/1.x request head, strictly and with limits */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 token characters, for methods and field names. */
static bool
is_tchar(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Find the end of the head: "\r\n\r\n" or "\n\n"; 0 if not there yet. */
static size_t
head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Cut the line at P (ends in LF, optional CR before); returns the next. */
static char *
next_line(char *p)
{
	char *nl = strchr(p, '\n');

	if (nl == NULL)
		return NULL;
	if (nl > p && nl[-1] == '\r')
		nl[-1] = '\0';
	*nl = '\0';
	return nl + 1;
}

static int
parse_request_line(char *line, struct http_request *req)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL)
		return 400;
	*sp1 = *sp2 = '\0';
	req->method = line;
	req->target = sp1 + 1;
	req->version = sp2 + 1;
	if (*req->method == '\0' || *req->target == '\0')
		return 400;
	for (const char *m = req->method; *m; m++)
		if (!is_tchar((unsigned char)*m))
			return 400;
	for (const unsigned char *t = (const void *)req->target; *t; t++)
		if (*t <= 0x20 || *t == 0x7f)
			return 400;
	if (strncmp(req->version, "HTTP/", 5) != 0 ||
	    !isdigit((unsigned char)req->version[5]) ||
	    req->version[6] != '.' || !isdigit((unsigned char)req->version[7]) ||
	    req->version[8] != '\0')
		return 400;
	if (req->version[5] != '1')
		return 505;
	req->minor = req->version[7] - '0';
	return 0;
}

static int
parse_header_line(char *line, struct http_request *req)
{
	char *colon = strchr(line, ':');

	/* No obs-fold (RFC 9112 5.2), no space before the colon. */
	if (colon == NULL || colon == line || *line == ' ' || *line == '\t')
		return 400;
	for (char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	*colon = '\0';
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	char *end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	/* Control characters in a value are refused, never passed on. */
	for (const unsigned char *p = (const void *)v; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 400;
	if (req->n_headers == HTTP_MAX_HEADER_FIELDS)
		return 431;
	req->headers[req->n_headers].name = line;
	req->headers[req->n_headers].value = v;
	req->n_headers++;
	return 0;
}

static int
parse_head(char *raw, struct http_request *req)
{
	char *line = raw, *next;
	int rc;

	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (*line == '\r' || *line == '\n')
		line++;
	next = next_line(line);
	if (strlen(line) > HTTP_MAX_REQUEST_LINE)
		return 414;
	if ((rc = parse_request_line(line, req)) != 0)
		return rc;
	for (line = next; line && *line; line = next) {
		next = next_line(line);
		if (*line == '\0')
			break; /* the blank line that ends the head */
		if ((rc = parse_header_line(line, req)) != 0)
			return rc;
	}
	return 0;
}

int
http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	memset(req, 0, sizeof(*req));
	size_t end = head_end(buf, len);
	/* NUL is refused in the head only: a body behind it may hold any byte. */
	if (memchr(buf, '\0', end ? end : len) != NULL)
		return 400;
	if (end == 0) {
		/* Refuse as soon as a limit is certain to be crossed. */
		const char *nl = memchr(buf, '\n', len);
		if (nl == NULL && len > HTTP_MAX_REQUEST_LINE)
			return 414;
		return len > HTTP_MAX_HEADER_BYTES ? 431 : 1;
	}
	if (end > HTTP_MAX_HEADER_BYTES) {
		const char *nl = memchr(buf, '\n', len);
		return nl - buf > HTTP_MAX_REQUEST_LINE ? 414 : 431;
	}
	if ((req->raw = malloc(end + 1)) == NULL)
		return 500;
	memcpy(req->raw, buf, end);
	req->raw[end] = '\0';
	req->head_len = end;
	int rc = parse_head(req->raw, req);
	if (rc != 0)
		http_request_free(req);
	return rc;
}

void
http_request_free(struct http_request *req)
{
	free(req->raw);
	req->raw = NULL;
}

const char *
http_header(const struct http_request *req, const char *name)
{
	for (int i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

bool
http_header_has_token(const struct http_request *req, const char *name,
    const char *token)
{
	size_t tlen = strlen(token);

	for (int i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		for (const char *p = req->headers[i].value; *p;) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			size_t n = strcspn(p, ", \t");
			if (n == tlen && strncasecmp(p, token, n) == 0)
				return true;
			p += n;
		}
	}
	return false;
}
