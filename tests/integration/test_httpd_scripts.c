/* SPDX-License-Identifier: ISC */
/* test_httpd_scripts.c -- CGI scripts under httpd and the real daemon:
 * environment, body, output shapes, nph-, index scripts, the demo site */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "httpd_site.h"

void h_cleanup(void);
TestSuite(httpd, .fini = h_cleanup, .timeout = 90);

Test(httpd, cgi_environment_and_post)
{
	int status;
	char args[1024];

	start("");
	char *out = curl_url("-H 'Proxy: http://evil:1/' -H 'Authorization: "
	                     "Basic eDp5' -H 'X-Custom: yes'",
	                     "/cgi/env.cgi/more/info?a=1&b=2");
	cr_assert(strstr(out, "GATEWAY_INTERFACE=CGI/1.1\n"), "%s", out);
	cr_assert(strstr(out, "QUERY_STRING=a=1&b=2\n"), "%s", out);
	cr_assert(strstr(out, "REMOTE_ADDR=127.0.0.1\n"), "%s", out);
	cr_assert(strstr(out, "REQUEST_METHOD=GET\n"), "%s", out);
	cr_assert(strstr(out, "SCRIPT_NAME=/cgi/env.cgi\n"), "%s", out);
	cr_assert(strstr(out, "PATH_INFO=/more/info\n"), "%s", out);
	cr_assert(strstr(out, "SERVER_PROTOCOL=HTTP/1.1\n"), "%s", out);
	cr_assert(strstr(out, "HTTP_X_CUSTOM=yes\n"), "%s", out);
	snprintf(args, sizeof(args), "SERVER_PORT=%u\n", port);
	cr_assert(strstr(out, args), "%s", out);
	cr_assert_null(strstr(out, "HTTP_PROXY"), "httpoxy: %s", out);
	cr_assert_null(strstr(out, "AUTHORIZATION"), "%s", out);
	cr_assert_null(strstr(out, "PORTIER_SERVICE"), "%s", out);
	free(out);
	snprintf(args, sizeof(args),
	         "--data-binary 'name=portier&x=1' "
	         "http://127.0.0.1:%u/cgi/post.cgi",
	         port);
	out = curl(args, &status);
	cr_assert_str_eq(out, "got 16 bytes: name=portier&x=1");
	free(out);
	/* Over the -b 1000 cap: refused before the script runs.  The body
	 * is a file of our own, not a system file that may be absent. */
	char big[4097];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *body = h_write_file(&d, "big-body", big, 0644);
	snprintf(args, sizeof(args),
	         "-i --data-binary @%s http://127.0.0.1:%u/cgi/post.cgi", body,
	         port);
	out = curl(args, &status);
	cr_assert(strstr(out, "HTTP/1.1 413 "), "%s", out);
	free(out);
	h_stop(&d);
}

Test(httpd, cgi_output_shapes)
{
	start("");
	char *out = curl_url("-i", "/cgi/status.cgi");
	cr_assert(strstr(out, "HTTP/1.1 418 Teapot\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\n\r\nshort and stout\n"), "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/redirect.cgi");
	cr_assert(strstr(out, "HTTP/1.1 200 OK") &&
	              strstr(out, "hello, world\n"),
	          "local redirect: %s", out);
	free(out);
	out = curl_url("-i", "/cgi/away.cgi");
	cr_assert(strstr(out, "HTTP/1.1 302 Found") &&
	              strstr(out, "Location: http://example.org/\r\n"),
	          "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/nph-raw.cgi");
	cr_assert(strncmp(out,
	                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain"
	                  "\r\n\r\nraw\n",
	                  47) == 0,
	          "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/garbage.cgi");
	cr_assert(strstr(out, "HTTP/1.1 502 Bad Gateway"), "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/hang.cgi");
	cr_assert(strstr(out, "HTTP/1.1 504 Gateway Timeout"), "%s", out);
	free(out);
	cr_assert(h_log_wait(&d, "timed out after 6 s, killed", 12000));
	/* A script that cannot run is refused, never sent as text. */
	out = curl_url("-i", "/cgi/noexec.cgi");
	cr_assert(strstr(out, "HTTP/1.1 403 ") && !strstr(out, "echo no"),
	          "not executable: %s", out);
	free(out);
	h_stop(&d);
}

/* The client waits for 100 Continue before the body; we send it only
 * when the script will read that body. */
Test(httpd, expect_100_continue)
{
	char reply[4096];
	const char *head = "POST /cgi/post.cgi HTTP/1.1\r\nHost: t\r\n"
	                   "Content-Length: 5\r\nExpect: 100-continue\r\n"
	                   "Connection: close\r\n\r\n";
	const char *cont = "HTTP/1.1 100 Continue\r\n\r\n";

	start("");
	int fd = h_connect("127.0.0.1", port);
	h_write_all(fd, head, strlen(head));
	ssize_t got = h_read_all(fd, reply, strlen(cont), 5000);
	reply[got > 0 ? got : 0] = '\0';
	cr_assert_str_eq(reply, cont);
	h_write_all(fd, "hello", 5);
	got = h_read_all(fd, reply, sizeof(reply) - 1, 5000);
	reply[got > 0 ? got : 0] = '\0';
	close(fd);
	cr_assert(strstr(reply, "HTTP/1.1 200 OK\r\n"), "%s", reply);
	cr_assert(strstr(reply, "\r\n\r\ngot 5 bytes: hello"), "%s", reply);
	/* Over the cap: the final answer at once, no 100. */
	const char *big =
	    "POST /cgi/post.cgi HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n";
	cr_assert_eq(raw_exchange(big, strlen(big), reply, sizeof(reply)), 413,
	             "%s", reply);
	h_stop(&d);
}

/* LINE ("\nNAME=value\n") in OUT, which may also start with it. */
static char *
env_line(char *out, const char *line)
{
	char *p = strncmp(out, line + 1, strlen(line + 1)) == 0
	              ? out
	              : strstr(out, line);

	cr_assert_not_null(p, "no %s in:\n%s", line, out);
	return p;
}

Test(httpd, cgi_environment_is_built_from_nothing)
{
	char want[PATH_MAX * 2];

	start("");
	char *out = curl_url(
	    "-H 'X-Dup: one' -H 'X-Dup: two' -H 'X_Dup: "
	    "under' -H 'Cookie: a=1' -H 'Cookie: b=2' -H 'Host: Name.Example:"
	    "81' -H 'Content-Type: text/x-test' --data-binary 'abc'",
	    "/cgi/env.cgi/p/q?x=%41");
	env_line(out, "\nHTTP_X_DUP=one, two\n");
	env_line(out, "\nHTTP_COOKIE=a=1; b=2\n");
	env_line(out, "\nSERVER_NAME=Name.Example\n");
	env_line(out, "\nHTTP_HOST=Name.Example:81\n");
	env_line(out, "\nCONTENT_TYPE=text/x-test\n");
	env_line(out, "\nCONTENT_LENGTH=3\n");
	env_line(out, "\nREQUEST_METHOD=POST\n");
	env_line(out, "\nQUERY_STRING=x=%41\n");
	env_line(out, "\nREQUEST_URI=/cgi/env.cgi/p/q?x=%41\n");
	env_line(out, "\nSERVER_SOFTWARE=portier-httpd/");
	env_line(out, "\nREMOTE_PORT=");
	snprintf(want, sizeof(want), "\nPATH_TRANSLATED=%s/p/q\n", root);
	env_line(out, want);
	snprintf(want, sizeof(want), "\nDOCUMENT_ROOT=%s\n", root);
	env_line(out, want);
	snprintf(want, sizeof(want), "\nSCRIPT_FILENAME=%s/cgi/env.cgi\n",
	         root);
	env_line(out, want);
	/* Nothing from portierd's handler environment, nothing the client
	 * could name itself. */
	cr_assert_null(strstr(out, "under"), "%s", out);
	cr_assert_null(strstr(out, "TCPREMOTEIP"), "%s", out);
	cr_assert_null(strstr(out, "PROTO="), "%s", out);
	cr_assert_null(strstr(out, "HTTP_CONTENT"), "%s", out);
	free(out);
	/* No PATH_INFO, no PATH_TRANSLATED, no CONTENT_* without them. */
	out = curl_url("", "/cgi/env.cgi");
	cr_assert_null(strstr(out, "PATH_INFO"), "%s", out);
	cr_assert_null(strstr(out, "PATH_TRANSLATED"), "%s", out);
	cr_assert_null(strstr(out, "CONTENT_LENGTH"), "%s", out);
	env_line(out, "\nQUERY_STRING=\n");
	free(out);
	/* Control characters in a value: refused before any script runs. */
	char reply[4096];
	const char *ctl = "GET /cgi/env.cgi HTTP/1.1\r\nHost: t\r\nX-A: a\x01"
	                  "b\r\n\r\n";
	cr_assert_eq(raw_exchange(ctl, strlen(ctl), reply, sizeof(reply)), 400);
	h_stop(&d);
}

/* The body ends at CONTENT_LENGTH even when the next request came in
 * the same packet; the script runs in its own directory; its stderr
 * goes to the log. */
Test(httpd, cgi_stdin_cwd_stderr_and_keep_alive_after_post)
{
	char reply[8192], want[PATH_MAX * 2];
	const char *two = "POST /cgi/cwd.cgi HTTP/1.1\r\nHost: t\r\n"
	                  "Content-Length: 7\r\n\r\nbody123GET /hello.txt "
	                  "HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

	start("");
	cr_assert_eq(raw_exchange(two, strlen(two), reply, sizeof(reply)), 200,
	             "%s", reply);
	snprintf(want, sizeof(want), "\r\n\r\n%s/cgi\nbody123|end", root);
	cr_assert(strstr(reply, want), "%s", reply);
	char *second = strstr(reply, "|end");
	cr_assert(second && strstr(second, "HTTP/1.1 200 OK\r\n") &&
	              strstr(second, "hello, world\n"),
	          "%s", reply);
	cr_assert(h_log_wait(&d, "cgi-stderr-line", 5000));
	/* The body after the head, in its own writes. */
	int fd = h_connect("127.0.0.1", port);
	const char *head = "POST /cgi/cwd.cgi HTTP/1.1\r\nHost: t\r\n"
	                   "Content-Length: 6\r\nConnection: close\r\n\r\n";
	h_write_all(fd, head, strlen(head));
	h_write_all(fd, "abc", 3);
	h_write_all(fd, "defEXTRA", 8);
	ssize_t got = h_read_all(fd, reply, sizeof(reply) - 1, 10000);
	reply[got > 0 ? got : 0] = '\0';
	close(fd);
	cr_assert(strstr(reply, "\nabcdef|end"), "%s", reply);
	h_stop(&d);
}

Test(httpd, cgi_head_nph_status_and_pattern)
{
	start(", \"-c\", \"/run/*\"");
	/* With a pattern naming a directory, only files there run. */
	char *out = curl_url("", "/run/plain");
	cr_assert_str_eq(out, "ran\n");
	free(out);
	out = curl_url("", "/cgi/status.cgi");
	cr_assert(strstr(out, "Status: 418"), "served, not run: %s", out);
	free(out);
	h_stop(&d);
	start("");
	out = curl_url("-I", "/cgi/status.cgi");
	cr_assert(strstr(out, "HTTP/1.1 418 Teapot\r\n"), "%s", out);
	cr_assert(strstr(out, "Content-Length: 16\r\n"), "%s", out);
	cr_assert_null(strstr(out, "stout"), "HEAD body: %s", out);
	free(out);
	out = curl_url("-i", "/cgi/nph-404.cgi");
	cr_assert_str_eq(out, "HTTP/1.1 404 Nope\r\n\r\n");
	free(out);
	cr_assert(
	    h_log_wait(&d, "\"GET /cgi/nph-404.cgi HTTP/1.1\" 404 ", 5000));
	h_stop(&d);
}

/* -i may name a script: "dir/" runs it, for any method. */
Test(httpd, index_script)
{
	start(", \"-i\", \"index.html,index.cgi\"");
	char *out = curl_url("", "/app/");
	cr_assert_str_eq(out, "GET /app/index.cgi\n");
	free(out);
	out = curl_url("-d x=1", "/app/");
	cr_assert_str_eq(out, "POST /app/index.cgi\n");
	free(out);
	out = curl_url("", "/withindex/");
	cr_assert_str_eq(out, "<p>index</p>\n");
	free(out);
	h_stop(&d);
}

/* The demo site the README shows, as shipped in etc/demo/www. */
Test(httpd, demo_site)
{
	int status;
	char args[1024];

	memset(&d, 0, sizeof(d));
	serve(TOP_SRCDIR "/etc/demo/www", "");
	char *out = curl_url("", "/");
	cr_assert(strstr(out, "<img src=\"portier.png\""), "%s", out);
	cr_assert(strstr(out, "href=\"cgi-bin/form.cgi\""), "%s", out);
	free(out);
	out = curl_url("-I", "/portier.png");
	cr_assert(strstr(out, "Content-Type: image/png\r\n"), "%s", out);
	free(out);
	out = curl_url("", "/files/");
	cr_assert(strstr(out, "href=\"./readme.txt\">readme.txt</a>") &&
	              strstr(out, "href=\"./docs/\">docs/</a>"),
	          "%s", out);
	free(out);
	out = curl_url("", "/cgi-bin/env.cgi?hello=world");
	cr_assert(strstr(out, "\nQUERY_STRING=hello=world\n"), "%s", out);
	free(out);
	/* A browser's encoding of a form, decoded and escaped back. */
	snprintf(args, sizeof(args),
	         "--data-binary 'name=a%%3Cb%%3E+c&words=x%%26y' "
	         "http://127.0.0.1:%u/cgi-bin/form.cgi",
	         port);
	out = curl(args, &status);
	cr_assert(strstr(out, "<li>name = a&lt;b&gt; c</li>\n"
	                      "<li>words = x&amp;y</li>"),
	          "%s", out);
	free(out);
	h_stop(&d);
}
