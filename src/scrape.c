/* SPDX-License-Identifier: ISC */
/* scrape.c -- internal = metrics: HTTP/1.0 GET /metrics, answered in the loop
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "scrape.h"
#include "service.h"

int
scrape_text(struct textbuf *out)
{
	const struct config *cfg = svc_running();
	const struct service *svc;
	struct metrics_entry *e;
	size_t n = 0;

	if (cfg == NULL)
		return 0;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	n++;
	if ((e = calloc(n + 1, sizeof(*e))) == NULL)
		return -1;
	n = 0;
	TAILQ_FOREACH(svc, &cfg->services, entry)
	{
		if (svc->is_disabled || svc->metrics == NULL)
			continue;
		e[n].service = svc->name;
		e[n++].metrics = svc->metrics;
	}
	int rc = metrics_write(out, e, n);
	free(e);
	return rc;
}

/* The header ends at an empty line (CRLF or bare LF, as HTTP/1.0 allows). */
static bool
scrape_is_complete(const char *buf, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (buf[i] == '\n' &&
		    (buf[i - 1] == '\n' ||
		     (i >= 3 && memcmp(buf + i - 3, "\r\n\r", 3) == 0)))
			return true;
	return false;
}

static bool
scrape_is(const char *p, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(p, want, len) == 0;
}

int
scrape_request(const char *buf, size_t len, int full)
{
	if (!scrape_is_complete(buf, len))
		return full ? 400 : 0;
	/* "GET /metrics HTTP/1.x", its CR optional. */
	size_t n = (size_t)((const char *)memchr(buf, '\n', len) - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	const char *target = memchr(buf, ' ', n);
	if (target == NULL)
		return 400;
	if (!scrape_is(buf, (size_t)(target - buf), "GET"))
		return 405;
	target++;
	const char *version = memchr(target, ' ', n - (size_t)(target - buf));
	if (version == NULL)
		return 400;
	size_t vlen = n - (size_t)(version + 1 - buf);
	if (!scrape_is(version + 1, vlen, "HTTP/1.0") &&
	    !scrape_is(version + 1, vlen, "HTTP/1.1"))
		return 400;
	return scrape_is(target, (size_t)(version - target), "/metrics") ? 200
	                                                                 : 404;
}

static const char *
scrape_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	default:
		return "Bad Request";
	}
}

int
scrape_response(struct textbuf *out, int code)
{
	struct textbuf body;
	const char *type = METRICS_CONTENT_TYPE;

	textbuf_init(&body, out->max);
	if (code == 200 && scrape_text(&body) == -1)
		code = 500;
	if (code != 200) {
		textbuf_free(&body);
		textbuf_printf(&body, "%d %s\n", code, scrape_reason(code));
		type = "text/plain; charset=utf-8";
	}
	textbuf_printf(out,
	               "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
	               "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	               code, scrape_reason(code), type, body.len);
	int rc = textbuf_append(out, body.data ? body.data : "", body.len);
	textbuf_free(&body);
	return rc;
}
