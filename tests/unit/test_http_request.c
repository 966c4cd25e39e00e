/* SPDX-License-Identifier: ISC */
/* test_http_request.c -- the HTTP request head parser: syntax, limits, body
 * framing */
#include <config.h>

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"

static int
parse(const char *text, struct http_request *req)
{
	return http_parse_request(text, strlen(text), req);
}

Test(request, simple_get_with_headers)
{
	struct http_request req;

	cr_assert_eq(
	    parse("GET /a?b=c HTTP/1.1\r\nHost: x\r\n"
	          "Connection: keep-alive, Upgrade\r\nX-Empty:\r\n\r\nNEXT",
	          &req),
	    0);
	cr_assert_str_eq(req.method, "GET");
	cr_assert_str_eq(req.target, "/a?b=c");
	cr_assert_eq(req.minor, 1);
	cr_assert_str_eq(http_header(&req, "host"), "x");
	cr_assert_str_eq(http_header(&req, "X-Empty"), "");
	cr_assert(http_header_has_token(&req, "Connection", "upgrade"));
	cr_assert_not(http_header_has_token(&req, "Connection", "close"));
	cr_assert_eq(
	    req.head_len,
	    strlen("GET /a?b=c HTTP/1.1\r\nHost: x\r\n"
	           "Connection: keep-alive, Upgrade\r\nX-Empty:\r\n\r\n"));
	http_request_free(&req);
}

Test(request, bare_lf_lines_are_accepted)
{
	struct http_request req;

	cr_assert_eq(parse("HEAD / HTTP/1.0\nUser-Agent: t\n\n", &req), 0);
	cr_assert_eq(req.minor, 0);
	http_request_free(&req);
}

/* A binary body read along with the head is not part of the head. */

Test(request, nul_bytes_in_a_body_behind_the_head)
{
	struct http_request req;
	const char in[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
	                  "\r\n\r\n\0\0";

	cr_assert_eq(http_parse_request(in, sizeof(in) - 1, &req), 0);
	cr_assert_eq(req.head_len, sizeof(in) - 3);
	http_request_free(&req);
}

Test(request, incomplete_needs_more)
{
	struct http_request req;

	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n", &req), 1);
	cr_assert_eq(parse("GET / HT", &req), 1);
}

Test(request, malformed_heads_are_400)
{
	struct http_request req;
	const char *bad[] = {
	    "GET /\r\n\r\n",
	    "GET  / HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1 extra\r\n\r\n",
	    "G(T / HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
	    "GET / HTTP/1.1\r\nBad Name: v\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	    "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
	    "GET / HTTP/one\r\n\r\n",
	    "GET /\x7f HTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(parse(bad[i], &req), 400, "case %zu", i);
	cr_assert_eq(
	    http_parse_request("GET / HTTP/1.1\r\nX: \0\r\n\r\n", 24, &req),
	    400);
}

Test(request, versions_and_limits)
{
	struct http_request req;
	char *big = malloc(HTTP_MAX_HEADER_BYTES + 200);

	cr_assert_eq(parse("GET / HTTP/2.0\r\n\r\n", &req), 505);
	cr_assert_eq(parse("GET / HTTP/0.9\r\n\r\n", &req), 505);
	/* An over-long request line, seen before its end arrives. */
	memset(big, 'a', HTTP_MAX_REQUEST_LINE + 10);
	memcpy(big, "GET /", 5);
	cr_assert_eq(http_parse_request(big, HTTP_MAX_REQUEST_LINE + 10, &req),
	             414);
	/* 101 fields. */
	size_t n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n");
	for (int i = 0; i <= HTTP_MAX_HEADER_FIELDS; i++)
		n += (size_t)sprintf(big + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(big + n, "\r\n");
	cr_assert_eq(http_parse_request(big, n, &req), 431);
	/* 33 KiB of headers without an end. */
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX: ");
	memset(big + n, 'v', HTTP_MAX_HEADER_BYTES);
	cr_assert_eq(http_parse_request(big, n + HTTP_MAX_HEADER_BYTES, &req),
	             431);
	free(big);
}

/* Every proper prefix of a head needs more; the whole head parses. */
Test(request, byte_by_byte_arrival)
{
	struct http_request req;
	const char *in = "POST /cgi?q HTTP/1.1\r\nHost: h\r\n"
	                 "Content-Length: 3\r\n\r\nabc";
	size_t head = strlen(in) - 3;

	for (size_t n = 0; n < head; n++)
		cr_assert_eq(http_parse_request(in, n, &req), 1, "at %zu", n);
	cr_assert_eq(http_parse_request(in, strlen(in), &req), 0);
	cr_assert_eq(req.head_len, head);
	cr_assert_eq(req.content_length, 3);
	cr_assert_not(req.is_chunked);
	http_request_free(&req);
}

/* RFC 9112 2.2: a client may send CRLFs after a body; skip them. */
Test(request, leading_empty_lines_are_skipped)
{
	struct http_request req;
	const char *in = "\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n";

	cr_assert_eq(parse(in, &req), 0);
	cr_assert_str_eq(req.target, "/x");
	cr_assert_eq(req.head_len, strlen(in));
	http_request_free(&req);
	cr_assert_eq(parse("\r\n\r\n", &req), 1);
}

Test(request, values_trimmed_and_tokens_found_across_lines)
{
	struct http_request req;

	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: \t a b \t\r\n"
	                   "Connection: Upgrade\r\nconnection: Close\r\n\r\n",
	                   &req),
	             0);
	cr_assert_str_eq(http_header(&req, "x-pad"), "a b");
	cr_assert(http_header_has_token(&req, "Connection", "close"));
	cr_assert_not(http_header_has_token(&req, "Connection", "clos"));
	cr_assert_not(http_header_has_token(&req, "X-Pad", "a b"));
	cr_assert_null(http_header(&req, "Missing"));
	http_request_free(&req);
}

/* RFC 9112 6.3: anything but one clear framing is refused. */
Test(request, body_framing)
{
	struct http_request req;

	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 0);
	cr_assert_eq(req.content_length, -1);
	http_request_free(&req);
	cr_assert_eq(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	                   "Content-Length: 5\r\n\r\n",
	                   &req),
	             0);
	cr_assert_eq(req.content_length, 5);
	http_request_free(&req);
	cr_assert_eq(parse("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n"
	                   "\r\n",
	                   &req),
	             0);
	cr_assert(req.is_chunked);
	http_request_free(&req);
	const char *bad[] = {
	    "Content-Length: 0\r\nContent-Length: 40",
	    "Content-Length: abc",
	    "Content-Length: -1",
	    "Content-Length: +5",
	    "Content-Length: 5, 5",
	    "Content-Length: 1 2",
	    "Content-Length:",
	    "Content-Length: 1234567890123456789",
	    "Content-Length: 5\r\nTransfer-Encoding: chunked",
	    "Transfer-Encoding: chunked\r\nContent-Length: 5",
	    "Transfer-Encoding: chunked, gzip",
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
	    "Host: a\r\nHost: b",
	    "Host: a\r\nhost: a",
	    "Host: a b",
	    "Host: a/b",
	    "Host: \"x\"",
	    "Host: a\\b",
	};
	char in[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(in, sizeof(in), "POST / HTTP/1.1\r\n%s\r\n\r\n",
		         bad[i]);
		cr_assert_eq(parse(in, &req), 400, "case %zu: %s", i, bad[i]);
	}
	cr_assert_eq(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, "
	                   "chunked\r\n\r\n",
	                   &req),
	             501);
	/* HTTP/1.0 has no transfer codings: a proxy of that version would
	 * frame the body by Content-Length or the close (RFC 9112 6.1). */
	cr_assert_eq(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked"
	                   "\r\n\r\n",
	                   &req),
	             400);
}

/* The limits are exact: at the limit passes, one byte over does not. */
Test(request, limits_are_exact)
{
	struct http_request req;
	size_t size = HTTP_MAX_HEADER_BYTES + 64;
	char *in = malloc(size);

	/* A request line of exactly 8 KiB, then one byte more. */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t line = HTTP_MAX_REQUEST_LINE + extra;
		memcpy(in, "GET /", 5);
		memset(in + 5, 'a', line - 5 - 9);
		memcpy(in + line - 9, " HTTP/1.1\r\n\r\n", 13);
		int rc = http_parse_request(in, line + 4, &req);
		cr_assert_eq(rc, extra ? 414 : 0, "line of %zu", line);
		if (rc == 0)
			http_request_free(&req);
	}
	/* A head of exactly 32 KiB, then one byte more. */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t total = HTTP_MAX_HEADER_BYTES + extra;
		size_t n = (size_t)snprintf(in, size, "GET / HTTP/1.1\r\nX: ");
		memset(in + n, 'v', total - n - 4);
		memcpy(in + total - 4, "\r\n\r\n", 4);
		int rc = http_parse_request(in, total, &req);
		cr_assert_eq(rc, extra ? 431 : 0, "head of %zu", total);
		if (rc == 0)
			http_request_free(&req);
	}
	/* Exactly 100 fields pass. */
	size_t n = (size_t)snprintf(in, size, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_HEADER_FIELDS; i++)
		n += (size_t)snprintf(in + n, size - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(in + n, size - n, "\r\n");
	cr_assert_eq(http_parse_request(in, n, &req), 0);
	cr_assert_eq(req.n_headers, HTTP_MAX_HEADER_FIELDS);
	http_request_free(&req);
	free(in);
}

Test(request, forms_of_target_and_method)
{
	struct http_request req;

	cr_assert_eq(parse("get http://h/x HTTP/1.0\r\n\r\n", &req), 0);
	cr_assert_str_eq(req.method, "get");
	cr_assert_str_eq(req.target, "http://h/x");
	http_request_free(&req);
	cr_assert_eq(parse("GET /a\x01 HTTP/1.1\r\n\r\n", &req), 400);
	cr_assert_eq(parse("GET /a\x80 HTTP/1.1\r\n\r\n", &req), 0);
	http_request_free(&req);
	cr_assert_eq(parse("GET / HTTP/1.1\r\nX\x80: v\r\n\r\n", &req), 400);
	cr_assert_eq(parse("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", &req), 400);
	cr_assert_eq(parse("GET / HTTP/1.10\r\n\r\n", &req), 400);
	cr_assert_eq(parse("GET / http/1.1\r\n\r\n", &req), 400);
}

Test(request, host_forms)
{
	struct http_request req;
	const char *good[] = {"Host: [::1]:8080", "Host: a.example:80",
	                      "Host: xn--bcher-kva.example", "Host:"};
	char in[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(in, sizeof(in), "GET / HTTP/1.1\r\n%s\r\n\r\n",
		         good[i]);
		cr_assert_eq(parse(in, &req), 0, "%s", good[i]);
		http_request_free(&req);
	}
}
