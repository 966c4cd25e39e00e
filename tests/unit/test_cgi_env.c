/* SPDX-License-Identifier: ISC */
/* test_cgi_env.c -- the CGI script's environment, built from a request */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "httpd.h"

static struct httpd h;
static struct exchange ex;
static struct http_resolved r;
static struct cgi_env env;

/* Parse REQUEST into EX and build the environment for /cgi/s.cgi. */
static void
build(const char *request, const char *path_info, const char *query)
{
	memset(&h, 0, sizeof(h));
	h.root = (char *)"/srv/www";
	h.local_ip = "127.0.0.1";
	h.local_port = "8080";
	h.remote_ip = "127.0.0.2";
	h.remote_port = "40000";
	memset(&ex, 0, sizeof(ex));
	cr_assert_eq(http_parse_request(request, strlen(request), &ex.req), 0);
	memset(&r, 0, sizeof(r));
	r.file = "/srv/www/cgi/s.cgi";
	r.script_name = "/cgi/s.cgi";
	r.path_info = path_info;
	struct cgi_call call = {
	    .method = ex.req.method,
	    .query = query,
	    .uri = ex.req.target,
	    .content_length = ex.req.content_length,
	    .content_type = http_header(&ex.req, "Content-Type"),
	};
	cgienv_build(&env, &h, &ex.req, &call, &r);
}

static void
done(void)
{
	cr_assert_null(env.v[env.n], "not NULL-terminated");
	cgienv_free(&env);
	http_request_free(&ex.req);
}

/* The value of NAME, or NULL. */
static const char *
var(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < env.n; i++)
		if (strncmp(env.v[i], name, n) == 0 && env.v[i][n] == '=')
			return env.v[i] + n + 1;
	return NULL;
}

Test(cgienv, the_rfc_3875_meta_variables)
{
	build("POST /cgi/s.cgi/a/b?x=1 HTTP/1.1\r\nHost: example.org:81\r\n"
	      "Content-Type: text/plain\r\nContent-Length: 12\r\n\r\n",
	      "/a/b", "x=1");
	cr_assert_str_eq(var("GATEWAY_INTERFACE"), "CGI/1.1");
	cr_assert_str_eq(var("REQUEST_METHOD"), "POST");
	cr_assert_str_eq(var("SERVER_PROTOCOL"), "HTTP/1.1");
	cr_assert_str_eq(var("SERVER_NAME"), "example.org");
	cr_assert_str_eq(var("SERVER_PORT"), "8080");
	cr_assert_str_eq(var("SERVER_ADDR"), "127.0.0.1");
	cr_assert_str_eq(var("REMOTE_ADDR"), "127.0.0.2");
	cr_assert_str_eq(var("REMOTE_PORT"), "40000");
	cr_assert_str_eq(var("SCRIPT_NAME"), "/cgi/s.cgi");
	cr_assert_str_eq(var("SCRIPT_FILENAME"), "/srv/www/cgi/s.cgi");
	cr_assert_str_eq(var("PATH_INFO"), "/a/b");
	cr_assert_str_eq(var("PATH_TRANSLATED"), "/srv/www/a/b");
	cr_assert_str_eq(var("QUERY_STRING"), "x=1");
	cr_assert_str_eq(var("REQUEST_URI"), "/cgi/s.cgi/a/b?x=1");
	cr_assert_str_eq(var("DOCUMENT_ROOT"), "/srv/www");
	cr_assert_str_eq(var("CONTENT_TYPE"), "text/plain");
	cr_assert_str_eq(var("CONTENT_LENGTH"), "12");
	cr_assert_str_eq(var("HTTP_HOST"), "example.org:81");
	cr_assert_str_eq(var("PATH"), "/usr/local/bin:/usr/bin:/bin");
	done();
}

Test(cgienv, nothing_that_was_not_asked_for)
{
	build("GET /cgi/s.cgi HTTP/1.0\r\n\r\n", "", NULL);
	cr_assert_str_eq(var("QUERY_STRING"), "");
	cr_assert_str_eq(var("SERVER_PROTOCOL"), "HTTP/1.0");
	/* No Host: our own address names the server. */
	cr_assert_str_eq(var("SERVER_NAME"), "127.0.0.1");
	cr_assert_null(var("PATH_INFO"));
	cr_assert_null(var("PATH_TRANSLATED"));
	cr_assert_null(var("CONTENT_LENGTH"));
	cr_assert_null(var("CONTENT_TYPE"));
	done();
}

Test(cgienv, headers_joined_and_the_dangerous_ones_dropped)
{
	build("GET /cgi/s.cgi HTTP/1.1\r\nHost: t\r\nX-Dup: one\r\n"
	      "Cookie: a=1\r\nX-Dup: two\r\nCookie: b=2\r\nX_Dup: under\r\n"
	      "Proxy: http://evil/\r\nAuthorization: Basic eA==\r\n"
	      "Proxy-Authorization: x\r\nConnection: close\r\n"
	      "X-Real-IP: 10.0.0.1\r\n\r\n",
	      "", NULL);
	cr_assert_str_eq(var("HTTP_X_DUP"), "one, two");
	cr_assert_str_eq(var("HTTP_COOKIE"), "a=1; b=2");
	cr_assert_str_eq(var("HTTP_X_REAL_IP"), "10.0.0.1");
	cr_assert_null(var("HTTP_PROXY"), "httpoxy");
	cr_assert_null(var("HTTP_AUTHORIZATION"));
	cr_assert_null(var("HTTP_PROXY_AUTHORIZATION"));
	cr_assert_null(var("HTTP_CONNECTION"));
	for (int i = 0; i < env.n; i++)
		cr_assert_null(strstr(env.v[i], "under"), "%s", env.v[i]);
	done();
}

Test(cgienv, server_name_from_host_or_option)
{
	build("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "", NULL);
	cr_assert_str_eq(var("SERVER_NAME"), "[::1]");
	done();
	h.server_name = "www.example";
	const char *other = "GET / HTTP/1.1\r\nHost: other\r\n\r\n";
	cr_assert_eq(http_parse_request(other, strlen(other), &ex.req), 0);
	struct cgi_call call = {.method = "GET", .uri = "/"};
	cgienv_build(&env, &h, &ex.req, &call, &r);
	cr_assert_str_eq(var("SERVER_NAME"), "www.example");
	done();
}

/* More headers than the table holds: the rest are left out, never
 * written past the end. */
Test(cgienv, bounded_by_its_table)
{
	static char req[HTTP_MAX_HEADER_BYTES];
	size_t n =
	    (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: t\r\n");

	for (int i = 0; i < HTTP_MAX_HEADER_FIELDS - 1; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-H%d: v\r\n",
		                      i);
	snprintf(req + n, sizeof(req) - n, "\r\n");
	build(req, "", NULL);
	cr_assert_leq(env.n, CGIENV_MAX);
	done();
}

/* After a local redirect the second script is asked a GET with no body:
 * the first request's CONTENT_* would describe a body it never gets. */
Test(cgienv, a_local_redirect_is_a_get_without_body)
{
	const char *post = "POST /cgi/a.cgi HTTP/1.1\r\nHost: t\r\n"
	                   "Content-Type: text/x-secret\r\n"
	                   "Content-Length: 5\r\nX-Kept: yes\r\n\r\n";
	struct cgi_call call = {.method = "GET",
	                        .uri = "/cgi/b.cgi?q",
	                        .query = "q",
	                        .content_length = -1};

	build(post, "", NULL);
	cgienv_free(&env);
	cgienv_build(&env, &h, &ex.req, &call, &r);
	cr_assert_str_eq(var("REQUEST_METHOD"), "GET");
	cr_assert_str_eq(var("REQUEST_URI"), "/cgi/b.cgi?q");
	cr_assert_str_eq(var("QUERY_STRING"), "q");
	cr_assert_null(var("CONTENT_LENGTH"));
	cr_assert_null(var("CONTENT_TYPE"));
	cr_assert_str_eq(var("HTTP_X_KEPT"), "yes");
	done();
}
