/* SPDX-License-Identifier: ISC */
/* test_http.c -- the httpd's parsers: request head, path, Range, CGI head */
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

	cr_assert_eq(parse("GET /a?b=c HTTP/1.1\r\nHost: x\r\n"
	    "Connection: keep-alive, Upgrade\r\nX-Empty:\r\n\r\nNEXT", &req),
	    0);
	cr_assert_str_eq(req.method, "GET");
	cr_assert_str_eq(req.target, "/a?b=c");
	cr_assert_eq(req.minor, 1);
	cr_assert_str_eq(http_header(&req, "host"), "x");
	cr_assert_str_eq(http_header(&req, "X-Empty"), "");
	cr_assert(http_header_has_token(&req, "Connection", "upgrade"));
	cr_assert_not(http_header_has_token(&req, "Connection", "close"));
	cr_assert_eq(req.head_len, strlen("GET /a?b=c HTTP/1.1\r\nHost: x\r\n"
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
	cr_assert_eq(http_parse_request("GET / HTTP/1.1\r\nX: \0\r\n\r\n", 24,
	    &req), 400);
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

static int
norm(const char *target, char *out)
{
	const char *q;
	bool slash;

	return http_path_normalize(target, out, 4096, &q, &slash);
}

Test(path, normal_forms)
{
	char out[4096];
	const char *q;
	bool slash;

	cr_assert_eq(norm("/", out), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(norm("/a//b/./c/../d", out), 0);
	cr_assert_str_eq(out, "/a/b/d");
	cr_assert_eq(norm("/a%20b/%41", out), 0);
	cr_assert_str_eq(out, "/a b/A");
	cr_assert_eq(http_path_normalize("/dir/?x=%2e", out, sizeof(out), &q,
	    &slash), 0);
	cr_assert_str_eq(out, "/dir");
	cr_assert(slash);
	cr_assert_str_eq(q, "x=%2e");
	cr_assert_eq(norm("http://example.org/x", out), 0);
	cr_assert_str_eq(out, "/x");
}

Test(path, the_classic_attacks)
{
	char out[4096];

	cr_assert_eq(norm("/../etc/passwd", out), 400);
	cr_assert_eq(norm("/a/../../etc/passwd", out), 400);
	cr_assert_eq(norm("/%2e%2e/etc/passwd", out), 400);
	cr_assert_eq(norm("/.%2e/etc/passwd", out), 400);
	cr_assert_eq(norm("/%2E%2E%2Fetc", out), 400); /* encoded slash */
	cr_assert_eq(norm("/a%2fb", out), 400);
	cr_assert_eq(norm("/a%00b", out), 400);
	cr_assert_eq(norm("/..\\..\\etc", out), 400);
	cr_assert_eq(norm("/a%5c..%5cb", out), 400);
	cr_assert_eq(norm("/a%0d%0ab", out), 400);
	cr_assert_eq(norm("/%zz", out), 400);
	cr_assert_eq(norm("/%2", out), 400);
	cr_assert_eq(norm("relative", out), 400);
	cr_assert_eq(norm("*", out), 400);
	/* Decoded once: %252e stays the three characters "%2e". */
	cr_assert_eq(norm("/%252e%252e/x", out), 0);
	cr_assert_str_eq(out, "/%2e%2e/x");
	cr_assert_eq(norm("/.hidden", out), 404);
	cr_assert_eq(norm("/a/.git/config", out), 404);
	cr_assert_eq(norm("/.%2e", out), 400);
}

Test(path, resolve_confines_symlinks)
{
	char root[] = "/tmp/portier-path.XXXXXX", real[PATH_MAX], p[PATH_MAX];
	struct http_resolved r;

	cr_assert_not_null(mkdtemp(root));
	cr_assert_not_null(realpath(root, real));
	snprintf(p, sizeof(p), "%s/in.txt", real);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/out", real);
	cr_assert_eq(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/inside", real);
	cr_assert_eq(symlink("in.txt", p), 0);
	cr_assert_eq(http_resolve(real, "/in.txt", NULL, &r), 0);
	cr_assert_eq(http_resolve(real, "/inside", NULL, &r), 0);
	cr_assert_eq(http_resolve(real, "/out/passwd", NULL, &r), 403);
	cr_assert_eq(http_resolve(real, "/missing", NULL, &r), 404);
	cr_assert_eq(http_resolve(real, "/in.txt/more", NULL, &r), 404);
	snprintf(p, sizeof(p), "rm -rf %s", real);
	cr_assert_eq(system(p), 0);
}

Test(range, single_ranges)
{
	off_t a, b;

	cr_assert_eq(http_parse_range("bytes=0-9", 100, &a, &b), RANGE_OK);
	cr_assert(a == 0 && b == 9);
	cr_assert_eq(http_parse_range("bytes=90-", 100, &a, &b), RANGE_OK);
	cr_assert(a == 90 && b == 99);
	cr_assert_eq(http_parse_range("bytes=-10", 100, &a, &b), RANGE_OK);
	cr_assert(a == 90 && b == 99);
	cr_assert_eq(http_parse_range("bytes=50-500", 100, &a, &b), RANGE_OK);
	cr_assert(a == 50 && b == 99);
	cr_assert_eq(http_parse_range("bytes=-500", 100, &a, &b), RANGE_OK);
	cr_assert(a == 0 && b == 99);
}

Test(range, refused_and_ignored)
{
	off_t a, b;

	cr_assert_eq(http_parse_range("bytes=100-", 100, &a, &b),
	    RANGE_UNSATISFIABLE);
	cr_assert_eq(http_parse_range("bytes=-0", 100, &a, &b),
	    RANGE_UNSATISFIABLE);
	cr_assert_eq(http_parse_range("bytes=0-1,2-3", 100, &a, &b),
	    RANGE_NONE);
	cr_assert_eq(http_parse_range("bytes=9-1", 100, &a, &b), RANGE_NONE);
	cr_assert_eq(http_parse_range("items=0-1", 100, &a, &b), RANGE_NONE);
	cr_assert_eq(http_parse_range("bytes=x-1", 100, &a, &b), RANGE_NONE);
	cr_assert_eq(http_parse_range(
	    "bytes=99999999999999999999999-", 100, &a, &b), RANGE_NONE);
}

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
