/* SPDX-License-Identifier: ISC */
/* test_cgi_response.c -- the CGI response head parser (RFC 3875 section 6) */
#include <config.h>

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"

Test(cgi, document_redirect_and_status)
{
	struct cgi_response r;
	const char *doc = "Content-type: text/plain\r\nX-A: b\r\n\r\nbody";

	cr_assert_eq(cgi_parse_response(doc, strlen(doc), &r), 0);
	cr_assert_str_eq(r.content_type, "text/plain");
	cr_assert_eq(r.n_other, 1);
	cr_assert_str_eq(r.other[0].name, "X-A");
	cr_assert_eq(r.head_len, strlen(doc) - 4);
	cgi_response_free(&r);
	const char *loc = "Location: /elsewhere\n\n";
	cr_assert_eq(cgi_parse_response(loc, strlen(loc), &r), 0);
	cr_assert_str_eq(r.location, "/elsewhere");
	cgi_response_free(&r);
	const char *st = "Status: 404 Gone Away\nContent-Type: text/html\n\n";
	cr_assert_eq(cgi_parse_response(st, strlen(st), &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(r.reason, "Gone Away");
	cgi_response_free(&r);
}

Test(cgi, malformed_heads)
{
	struct cgi_response r;
	const char *bad[] = {
	    "no colon here\n\n",
	    "X-Only: a\n\n",
	    "Status: abc\nContent-Type: t\n\n",
	    "Status: 99\nContent-Type: t\n\n",
	    "Content-Type: a\nContent-Type: b\n\n",
	    ": empty\n\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(cgi_parse_response(bad[i], strlen(bad[i]), &r), -1,
		             "case %zu", i);
	cr_assert_eq(cgi_parse_response("Content-Type: t\n", 16, &r), 1);
}

Test(cgi, names_case_insensitive_and_framing_fields_dropped)
{
	struct cgi_response r;
	const char *in = "LOCATION: http://example.org/x\r\nstatus: 303 See "
	                 "Other\r\ncontent-TYPE: text/html\r\nContent-Length: "
	                 "999\r\nConnection: keep-alive\r\nTransfer-Encoding: "
	                 "chunked\r\nSet-Cookie: a=b\r\n\r\n<p>moved</p>";

	cr_assert_eq(cgi_parse_response(in, strlen(in), &r), 0);
	cr_assert_str_eq(r.location, "http://example.org/x");
	cr_assert_eq(r.status, 303);
	cr_assert_str_eq(r.reason, "See Other");
	cr_assert_str_eq(r.content_type, "text/html");
	cr_assert_eq(r.n_other, 1);
	cr_assert_str_eq(r.other[0].name, "Set-Cookie");
	cr_assert_str_eq(r.other[0].value, "a=b");
	cr_assert_eq(r.head_len, strlen(in) - strlen("<p>moved</p>"));
	/* Its length is kept: a body cut short of it can be told. */
	cr_assert_eq(r.length, 999);
	cgi_response_free(&r);
	cr_assert_eq(cgi_parse_response("Content-Type: t\n\n", 17, &r), 0);
	cr_assert_eq(r.length, -1);
	cgi_response_free(&r);
	const char *bad[] = {"Content-Type: t\nContent-Length: x\n\n",
	                     "Content-Type: t\nContent-Length: -1\n\n",
	                     "Content-Type: t\nContent-Length: 1\n"
	                     "Content-Length: 1\n\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(cgi_parse_response(bad[i], strlen(bad[i]), &r), -1,
		             "case %zu", i);
}

Test(cgi, status_forms)
{
	struct cgi_response r;
	const char *only = "Status: 204\n\n";

	cr_assert_eq(cgi_parse_response(only, strlen(only), &r), 0);
	cr_assert_eq(r.status, 204);
	cr_assert_str_eq(r.reason, "");
	cgi_response_free(&r);
	char longer[300];
	snprintf(longer, sizeof(longer),
	         "Status: 200 %0200d\nContent-Type: "
	         "t\n\n",
	         0);
	cr_assert_eq(cgi_parse_response(longer, strlen(longer), &r), 0);
	cr_assert_eq(strlen(r.reason), sizeof(r.reason) - 1, "truncated");
	cgi_response_free(&r);
	const char *bad[] = {"Status: 2000\n\n",
	                     "Status: 600 X\n\n",
	                     "Status:\n\n",
	                     "Status: 200\nStatus: 200\n\n",
	                     "Location: /a\nLocation: /b\n\n",
	                     "Status: 200 a\x01z\nContent-Type: t\n\n",
	                     "Content-Type: a\x7f\n\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(cgi_parse_response(bad[i], strlen(bad[i]), &r), -1,
		             "case %zu", i);
}

Test(cgi, hostile_heads)
{
	struct cgi_response r;
	size_t size = HTTP_MAX_HEADER_BYTES + 64;
	char *in = malloc(size);

	/* No end within 32 KiB: malformed, not "need more" for ever. */
	memset(in, 'x', size);
	memcpy(in, "Content-Type: ", 14);
	cr_assert_eq(cgi_parse_response(in, size, &r), -1);
	/* 101 extra fields. */
	size_t n = (size_t)snprintf(in, size, "Content-Type: t\n");
	for (int i = 0; i <= HTTP_MAX_HEADER_FIELDS; i++)
		n += (size_t)snprintf(in + n, size - n, "X-%d: v\n", i);
	n += (size_t)snprintf(in + n, size - n, "\n");
	cr_assert_eq(cgi_parse_response(in, n, &r), -1);
	free(in);
	const char nul[] = "Content-Type: t\0x\n\n";
	cr_assert_eq(cgi_parse_response(nul, sizeof(nul) - 1, &r), -1);
	cr_assert_eq(cgi_parse_response(" Content-Type: t\n\n", 18, &r), -1);
	cr_assert_eq(cgi_parse_response("Content Type: t\n\n", 17, &r), -1);
	/* A NUL in the body is the body's business. */
	const char body[] = "Content-Type: t\n\n\0\0";
	cr_assert_eq(cgi_parse_response(body, sizeof(body) - 1, &r), 0);
	cr_assert_eq(r.head_len, sizeof(body) - 3);
	cgi_response_free(&r);
}
