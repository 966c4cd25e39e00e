/* SPDX-License-Identifier: ISC */
/* response.c -- build responses: status lines, headers, escaped HTML, logs */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "utc.h"

#define HTTPD_SOFTWARE "portier-httpd/" PACKAGE_VERSION

void
resp_init(struct response *r)
{
	memset(r, 0, sizeof(*r));
}

static bool
resp_reserve(struct response *r, size_t more)
{
	if (r->failed)
		return false;
	if (r->len + more + 1 <= r->cap)
		return true;
	size_t cap = r->cap ? r->cap : 1024;
	while (cap < r->len + more + 1)
		cap *= 2;
	char *p = realloc(r->buf, cap);
	if (p == NULL) {
		r->failed = true;
		return false;
	}
	r->buf = p;
	r->cap = cap;
	return true;
}

void
resp_add(struct response *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !resp_reserve(r, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
}

char *
resp_room(struct response *r, size_t len)
{
	return resp_reserve(r, len) ? r->buf + r->len : NULL;
}

void
resp_took(struct response *r, size_t len)
{
	r->len += len;
	r->buf[r->len] = '\0';
}

/* LEN raw bytes of TEXT. */
void
resp_add_bytes(struct response *r, const void *text, size_t len)
{
	char *room = resp_room(r, len);

	if (room != NULL) {
		memcpy(room, text, len);
		resp_took(r, len);
	}
}

/* Text into HTML: every markup character escaped. */
void
resp_add_html(struct response *r, const char *text)
{
	static const char *entity[256] = {['<'] = "&lt;",
	                                  ['>'] = "&gt;",
	                                  ['&'] = "&amp;",
	                                  ['"'] = "&quot;",
	                                  ['\''] = "&#39;"};

	for (const unsigned char *p = (const void *)text; *p; p++) {
		const char *e = entity[*p];
		if (e != NULL)
			resp_add_bytes(r, e, strlen(e));
		else
			resp_add_bytes(r, (const char *)p, 1);
	}
}

/* TEXT into a URL: everything but unreserved bytes (and KEEP) encoded. */
static void
resp_add_escaped(struct response *r, const char *text, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const void *)text; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    strchr(keep, *p)) {
			resp_add_bytes(r, (const char *)p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			resp_add_bytes(r, esc, 3);
		}
	}
}

/* A path segment into a URL. */
void
resp_add_url(struct response *r, const char *text)
{
	resp_add_escaped(r, text, "");
}

/* A path into a URL: each segment encoded, the '/' between them kept. */
void
resp_add_url_path(struct response *r, const char *path)
{
	resp_add_escaped(r, path, "/");
}

void
resp_free(struct response *r)
{
	free(r->buf);
	resp_init(r);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

void
http_format_date(char *buf, size_t size, time_t t)
{
	struct tm tm;

	/* Not gmtime_r + strftime: they read /etc/localtime first. */
	utc_tm(t, &tm);
	snprintf(buf, size, "%s, %02d %s %d %02d:%02d:%02d GMT",
	         utc_day_name[tm.tm_wday], tm.tm_mday,
	         utc_month_name[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
}

/* RFC 9110 5.6.7: IMF-fixdate, and the two obsolete forms a recipient
 * must still accept (RFC 850 and asctime). */
bool
http_parse_date(const char *value, time_t *t)
{
	static const char *formats[] = {"%a, %d %b %Y %H:%M:%S GMT",
	                                "%A, %d-%b-%y %H:%M:%S GMT",
	                                "%a %b %e %H:%M:%S %Y"};
	struct tm tm;

	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(value, formats[i], &tm);
		if (end != NULL && *end == '\0') {
			*t = utc_timegm(&tm); /* timegm reads the zone */
			return true;
		}
	}
	return false;
}

void
resp_start(struct response *r, struct exchange *ex, int status)
{
	resp_start_reason(r, ex, status, NULL);
}

void
resp_start_reason(struct response *r, struct exchange *ex, int status,
                  const char *reason)
{
	char date[64];

	ex->status = status;
	/* Unread body bytes would be taken for the next request. */
	if (ex->body_unread)
		ex->keep_alive = false;
	http_format_date(date, sizeof(date), time(NULL));
	resp_add(r, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: %s\r\n", status,
	         reason ? reason : http_reason(status), date, HTTPD_SOFTWARE);
	/* An HTTP/1.0 client closes unless told the connection stays. */
	if (!ex->keep_alive)
		resp_add(r, "Connection: close\r\n");
	else if (ex->req.minor == 0)
		resp_add(r, "Connection: keep-alive\r\n");
}

int
httpd_send_head_and_body(struct httpd *h, struct exchange *ex,
                         struct response *head, const char *body, size_t len)
{
	int rc = 0;

	if (head->failed)
		rc = -1;
	else if (httpd_write(h, head->buf, head->len) == -1)
		rc = -1;
	else if (!ex->is_head && len > 0 && httpd_write(h, body, len) == -1)
		rc = -1;
	else if (!ex->is_head)
		ex->bytes += (long long)len;
	resp_free(head);
	return rc;
}

int
httpd_send_error(struct httpd *h, struct exchange *ex, int status,
                 const char *extra_header)
{
	struct response head, body;

	/* After a malformed request the stream cannot be trusted. */
	if (status == 400 || status == 408 || status == 413 || status == 414 ||
	    status == 431 || status == 505 || status == 411)
		ex->keep_alive = false;
	resp_init(&body);
	resp_add(&body,
	         "<!DOCTYPE html>\n<html><head><title>%d %s</title>"
	         "</head>\n<body><h1>%d %s</h1></body></html>\n",
	         status, http_reason(status), status, http_reason(status));
	resp_init(&head);
	resp_start(&head, ex, status);
	if (extra_header != NULL)
		resp_add(&head, "%s\r\n", extra_header);
	resp_add(&head,
	         "Content-Type: text/html; charset=utf-8\r\n"
	         "Content-Length: %zu\r\n\r\n",
	         body.len);
	int rc = httpd_send_head_and_body(h, ex, &head, body.buf, body.len);
	resp_free(&body);
	return rc;
}

/*
 * Common Log Format on stderr, nothing raw from the request in it.  One
 * write of our own formatting: stdio's unbuffered stderr would format
 * through an 8 KiB buffer on the stack, a fresh page in a one-shot.
 */
void
httpd_log(struct httpd *h, struct exchange *ex, const char *line)
{
	char when[64], clean[HTTPD_LOG_LINE], out[sizeof(clean) + 200];
	size_t o = 0;
	time_t now = time(NULL);
	struct tm tm;

	utc_tm(now, &tm);
	snprintf(when, sizeof(when), "%02d/%s/%d:%02d:%02d:%02d +0000",
	         tm.tm_mday, utc_month_name[tm.tm_mon], tm.tm_year + 1900,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
	for (const unsigned char *p = (const void *)line;
	     *p && o + 5 < sizeof(clean); p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			o += (size_t)snprintf(clean + o, sizeof(clean) - o,
			                      "\\x%02x", *p);
		else
			clean[o++] = (char)*p;
	}
	clean[o] = '\0';
	/* An address is at most 45 bytes; the environment could say more. */
	int n = snprintf(out, sizeof(out), "%.64s - - [%s] \"%s\" %d %lld\n",
	                 h->remote_ip ? h->remote_ip : "-", when, clean,
	                 ex->status, ex->bytes);
	for (const char *p = out; n > 0;) {
		ssize_t w = write(2, p, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		n -= (int)w;
	}
}
