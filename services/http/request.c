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
	    req->version[6] != '.' ||
	    !isdigit((unsigned char)req->version[7]) || req->version[8] != '\0')
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

/* Content-Length is 1*DIGIT (RFC 9110 8.6); 18 digits always fit. */
static int
request_content_length(const char *v, off_t *len)
{
	size_t n = strlen(v);
	off_t x = 0;

	if (n == 0 || n > 18 || strspn(v, "0123456789") != n)
		return 400;
	for (; *v; v++)
		x = x * 10 + (*v - '0');
	if (*len != -1 && *len != x)
		return 400; /* two different lengths: a smuggling attempt */
	*len = x;
	return 0;
}

/* Transfer-Encoding: chunked must come last (RFC 9112 6.3 item 4). */
static int
request_transfer_coding(const char *v)
{
	const char *last = strrchr(v, ',');

	last = last ? last + 1 : v;
	while (*last == ' ' || *last == '\t')
		last++;
	if (strcasecmp(last, "chunked") != 0)
		return 400;
	/* Only chunked itself is understood (gzip etc. are not). */
	return strcasecmp(v, "chunked") == 0 ? 0 : 501;
}

/*
 * Host is uri-host [":" port] (RFC 3986 3.2.2): it becomes SERVER_NAME
 * for CGI scripts, so nothing outside that grammar's characters passes.
 */
static bool
request_host_is_valid(const char *v)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
	                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                              "-._~!$&'()*+,;=:[]%";

	return strspn(v, allowed) == strlen(v);
}

/* The framing of the body and the one Host, across all header lines. */
static int
request_validate(struct http_request *req)
{
	int hosts = 0, rc = 0;

	req->content_length = -1;
	for (int i = 0; i < req->n_headers && rc == 0; i++) {
		const char *name = req->headers[i].name;
		const char *v = req->headers[i].value;
		if (strcasecmp(name, "Host") == 0 &&
		    (++hosts > 1 || !request_host_is_valid(v)))
			rc = 400; /* RFC 9112 3.2 */
		else if (strcasecmp(name, "Content-Length") == 0)
			rc = request_content_length(v, &req->content_length);
		else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (req->is_chunked)
				rc = 400;
			else if ((rc = request_transfer_coding(v)) == 0)
				req->is_chunked = true;
		}
	}
	if (rc == 0 && req->is_chunked && req->content_length != -1)
		rc = 400; /* both framings: refuse, never guess */
	/* RFC 9112 6.1: in HTTP/1.0 a Transfer-Encoding is faulty framing. */
	if (rc == 0 && req->is_chunked && req->minor == 0)
		rc = 400;
	return rc;
}

/* RFC 9112 2.2: empty lines before a request line are skipped. */
static size_t
leading_empty_lines(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

int
http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	memset(req, 0, sizeof(*req));
	size_t skip = leading_empty_lines(buf, len);
	size_t end = head_end(buf + skip, len - skip);
	/* NUL is refused in the head only: a body behind it may hold any byte.
	 */
	if (memchr(buf, '\0', end ? skip + end : len) != NULL)
		return 400;
	if (end == 0) {
		/* Refuse as soon as a limit is certain to be crossed. */
		const char *nl = memchr(buf + skip, '\n', len - skip);
		if (nl == NULL && len - skip > HTTP_MAX_REQUEST_LINE)
			return 414;
		return len > HTTP_MAX_HEADER_BYTES ? 431 : 1;
	}
	end += skip;
	if (end > HTTP_MAX_HEADER_BYTES) {
		const char *nl = memchr(buf + skip, '\n', len - skip);
		return nl - (buf + skip) > HTTP_MAX_REQUEST_LINE ? 414 : 431;
	}
	if ((req->raw = malloc(end - skip + 1)) == NULL)
		return 500;
	memcpy(req->raw, buf + skip, end - skip);
	req->raw[end - skip] = '\0';
	req->head_len = end;
	int rc = parse_head(req->raw, req);
	if (rc == 0)
		rc = request_validate(req);
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

bool
http_wants_keep_alive(const struct http_request *req)
{
	if (http_header_has_token(req, "Connection", "close"))
		return false;
	if (req->minor >= 1)
		return true;
	return http_header_has_token(req, "Connection", "keep-alive");
}
