/* SPDX-License-Identifier: ISC */
/* test_httpd.c -- the HTTP handler under the real daemon, with curl and raw sockets */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

void h_cleanup(void);
TestSuite(httpd, .fini = h_cleanup, .timeout = 90);

static struct h_daemon d;
static uint16_t port;
static char root[PATH_MAX + 8];

static void
mkdir_in(const char *name)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", root, name);
	cr_assert_eq(mkdir(p, 0755), 0, "%s: %s", p, strerror(errno));
}

static void
file_in(const char *name, const char *text, int mode)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "www/%s", name);
	h_write_file(&d, p, text, mode);
}

/* A docroot with every case, and the daemon serving it. */
static void
start(const char *extra_args)
{
	char conf[PATH_MAX * 3], p[PATH_MAX * 2];

	memset(&d, 0, sizeof(d));
	h_mkdir(&d);
	snprintf(root, sizeof(root), "%s/www", d.dir);
	mkdir(root, 0755);
	mkdir_in("dir");
	mkdir_in("dir/sub");
	mkdir_in("withindex");
	mkdir_in("cgi");
	file_in("hello.txt", "hello, world\n", 0644);
	file_in("page.html", "<p>page</p>\n", 0644);
	file_in(".secret", "hidden\n", 0644);
	file_in("dir/b.txt", "b\n", 0644);
	file_in("dir/a <&> \"q\".txt", "odd\n", 0644);
	file_in("dir/.dotfile", "x\n", 0644);
	file_in("withindex/index.html", "<p>index</p>\n", 0644);
	file_in("digits.txt", "0123456789", 0644);
	file_in("cgi/env.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain"
	    "\\r\\n\\r\\n'\nenv | sort\n", 0755);
	file_in("cgi/post.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain"
	    "\\r\\n\\r\\n'\nprintf 'got %s bytes: ' \"$CONTENT_LENGTH\"\n"
	    "head -c \"$CONTENT_LENGTH\"\n", 0755);
	file_in("cgi/garbage.cgi", "#!/bin/sh\necho 'this is not a header'\n",
	    0755);
	file_in("cgi/hang.cgi", "#!/bin/sh\nexec sleep 30\n", 0755);
	file_in("cgi/status.cgi", "#!/bin/sh\nprintf 'Status: 418 Teapot\\n"
	    "Content-Type: text/plain\\n\\nshort and stout\\n'\n", 0755);
	file_in("cgi/redirect.cgi", "#!/bin/sh\nprintf 'Location: "
	    "/hello.txt\\n\\n'\n", 0755);
	file_in("cgi/away.cgi", "#!/bin/sh\nprintf 'Location: "
	    "http://example.org/\\n\\n'\n", 0755);
	file_in("cgi/nph-raw.cgi", "#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\n"
	    "Content-Type: text/plain\\r\\n\\r\\nraw\\n'\n", 0755);
	file_in("cgi/noexec.cgi", "#!/bin/sh\necho no\n", 0644);
	snprintf(p, sizeof(p), "%s/outside", root);
	cr_assert_eq(symlink("/etc", p), 0);
	port = h_free_port();
	snprintf(conf, sizeof(conf),
	    "service www {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = \"root\"\n server = \"%s/services/httpd\"\n"
	    " server_args = {\"-r\", \"%s\", \"-t\", \"5\", \"-T\", \"2\","
	    " \"-H\", \"2\", \"-b\", \"1000\"%s}\n}\n", port, TOP_BUILDDIR,
	    root, extra_args);
	h_start(&d, conf);
}

/* curl ARGS against the daemon; returns stdout (headers with -i). */
static char *
curl(const char *args, int *status)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "curl -s -S --max-time 20 %s", args);
	return h_run(cmd, status);
}

static char *
curl_url(const char *opts, const char *path)
{
	char args[2048];
	int status;

	snprintf(args, sizeof(args), "%s 'http://127.0.0.1:%u%s'", opts, port,
	    path);
	char *out = curl(args, &status);
	cr_assert_eq(status, 0, "curl %s failed", args);
	return out;
}

/* The status code of a raw request (sent exactly as given). */
static int
raw_status(const char *request, char *reply, size_t size)
{
	int fd = h_connect("127.0.0.1", port);

	cr_assert_neq(fd, -1);
	h_write_all(fd, request, strlen(request));
	ssize_t n = h_read_all(fd, reply, size - 1, 10000);
	close(fd);
	reply[n > 0 ? n : 0] = '\0';
	int code = 0;
	sscanf(reply, "HTTP/1.1 %d", &code);
	return code;
}

static int
get_status(const char *path)
{
	char req[16384], reply[4096];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", path);
	return raw_status(req, reply, sizeof(reply));
}

Test(httpd, file_with_headers_and_exact_body)
{
	start("");
	char *out = curl_url("-i", "/hello.txt");
	cr_assert(strstr(out, "HTTP/1.1 200 OK\r\n"), "%s", out);
	cr_assert(strstr(out, "Content-Type: text/plain\r\n"), "%s", out);
	cr_assert(strstr(out, "Content-Length: 13\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\nETag: \""), "%s", out);
	cr_assert(strstr(out, "\r\nLast-Modified: "), "%s", out);
	cr_assert(strstr(out, "\r\n\r\nhello, world\n") != NULL, "%s", out);
	free(out);
	out = curl_url("", "/page.html");
	cr_assert_str_eq(out, "<p>page</p>\n");
	free(out);
	out = curl_url("-I", "/page.html");
	cr_assert(strstr(out, "Content-Type: text/html"), "%s", out);
	cr_assert(strstr(out, "Content-Length: 12\r\n"), "%s", out);
	cr_assert(strstr(out, "<p>") == NULL, "HEAD has a body: %s", out);
	free(out);
	h_stop(&d);
}

Test(httpd, conditional_and_range_requests)
{
	char opts[512];

	start("");
	char *out = curl_url("-i", "/digits.txt");
	char *etag = strstr(out, "ETag: ");
	cr_assert_not_null(etag);
	etag += 6;
	etag[strcspn(etag, "\r")] = '\0';
	snprintf(opts, sizeof(opts), "-i -H 'If-None-Match: %s'", etag);
	free(curl_url("", "/digits.txt"));
	char *nm = curl_url(opts, "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 304 Not Modified"), "%s", nm);
	cr_assert(strstr(nm, "0123") == NULL);
	free(nm);
	nm = curl_url("-i -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT'",
	    "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 304 "), "%s", nm);
	free(nm);
	nm = curl_url("-i -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT'",
	    "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 200 "), "%s", nm);
	free(nm);
	free(out);
	out = curl_url("-i -r 2-5", "/digits.txt");
	cr_assert(strstr(out, "HTTP/1.1 206 Partial Content"), "%s", out);
	cr_assert(strstr(out, "Content-Range: bytes 2-5/10\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\n\r\n2345"), "%s", out);
	free(out);
	out = curl_url("-i -r 50-", "/digits.txt");
	cr_assert(strstr(out, "HTTP/1.1 416 "), "%s", out);
	cr_assert(strstr(out, "Content-Range: bytes */10"), "%s", out);
	free(out);
	/* Hundreds of overlapping ranges: the whole file, once. */
	char many[4096] = "-H 'Range: bytes=0-";
	for (int i = 0; i < 300; i++)
		strlcat(many, ",0-9", sizeof(many));
	strlcat(many, "' -i", sizeof(many));
	out = curl_url(many, "/digits.txt");
	cr_assert(strstr(out, "HTTP/1.1 200 OK"), "%s", out);
	cr_assert(strstr(out, "Content-Length: 10\r\n"), "%s", out);
	free(out);
	h_stop(&d);
}

Test(httpd, directories_redirect_list_and_index)
{
	start("");
	char *out = curl_url("-i", "/dir");
	cr_assert(strstr(out, "HTTP/1.1 301 "), "%s", out);
	cr_assert(strstr(out, "Location: /dir/\r\n"), "%s", out);
	free(out);
	out = curl_url("", "/dir/");
	/* Sorted, escaped, percent-encoded, no dotfiles. */
	char *a = strstr(out, "href=\"./a%20%3C%26%3E%20%22q%22.txt\">"
	    "a &lt;&amp;&gt; &quot;q&quot;.txt</a>");
	char *b = strstr(out, "href=\"./b.txt\">b.txt</a>");
	char *sub = strstr(out, "href=\"./sub/\">sub/</a>");
	cr_assert(a && b && sub && a < b && b < sub, "%s", out);
	cr_assert_null(strstr(out, "dotfile"), "%s", out);
	free(out);
	out = curl_url("", "/withindex/");
	cr_assert_str_eq(out, "<p>index</p>\n");
	free(out);
	out = curl_url("", "/");
	cr_assert_null(strstr(out, "secret"), "%s", out);
	free(out);
	h_stop(&d);
}

Test(httpd, path_attacks)
{
	char longpath[10000] = "/";

	start("");
	cr_assert_eq(get_status("/../../etc/passwd"), 400);
	cr_assert_eq(get_status("/%2e%2e/%2e%2e/etc/passwd"), 400);
	cr_assert_eq(get_status("/.%2e/etc/passwd"), 400);
	cr_assert_eq(get_status("/%252e%252e/etc/passwd"), 404);
	cr_assert_eq(get_status("//etc/passwd"), 404);
	cr_assert_eq(get_status("/..\\..\\etc\\passwd"), 400);
	cr_assert_eq(get_status("/%5c..%5cetc"), 400);
	cr_assert_eq(get_status("/hello.txt%00.html"), 400);
	cr_assert_eq(get_status("/dir%2fb.txt"), 400);
	cr_assert_eq(get_status("/.secret"), 404);
	cr_assert_eq(get_status("/dir/.dotfile"), 404);
	cr_assert_eq(get_status("/outside/passwd"), 403);
	cr_assert_eq(get_status("/outside/"), 403);
	cr_assert_eq(get_status("//hello.txt"), 200);
	cr_assert_eq(get_status("/dir/../hello.txt"), 200);
	memset(longpath + 1, 'a', 9000);
	cr_assert_eq(get_status(longpath), 414);
	h_stop(&d);
}

Test(httpd, methods_versions_and_limits)
{
	char reply[8192], *req = malloc(40000);

	start("");
	cr_assert_eq(raw_status("DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
	    reply, sizeof(reply)), 405);
	cr_assert(strstr(reply, "Allow: GET, HEAD\r\n"), "%s", reply);
	cr_assert_eq(raw_status("BREW /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
	    reply, sizeof(reply)), 501);
	cr_assert_eq(raw_status("GET / HTTP/2.0\r\nHost: t\r\n\r\n", reply,
	    sizeof(reply)), 505);
	cr_assert_eq(raw_status("GET / HTTP/1.1\r\n\r\n", reply,
	    sizeof(reply)), 400);
	cr_assert_eq(raw_status("garbage\r\n\r\n", reply, sizeof(reply)), 400);
	size_t n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: t\r\n");
	for (int i = 0; i < 101; i++)
		n += (size_t)sprintf(req + n, "X-%d: v\r\n", i);
	strcpy(req + n, "\r\n");
	cr_assert_eq(raw_status(req, reply, sizeof(reply)), 431);
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(req + n, 'v', 33000);
	strcpy(req + n + 33000, "\r\n\r\n");
	cr_assert_eq(raw_status(req, reply, sizeof(reply)), 431);
	free(req);
	h_stop(&d);
}

Test(httpd, keep_alive_and_pipelining)
{
	char reply[8192];

	start("");
	int fd = h_connect("127.0.0.1", port);
	const char *three = "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
			    "HEAD /page.html HTTP/1.1\r\nHost: t\r\n\r\n"
			    "GET /digits.txt HTTP/1.1\r\nHost: t\r\n"
			    "Connection: close\r\n\r\n";
	h_write_all(fd, three, strlen(three));
	ssize_t n = h_read_all(fd, reply, sizeof(reply) - 1, 10000);
	reply[n > 0 ? n : 0] = '\0';
	close(fd);
	char *r1 = strstr(reply, "hello, world\n");
	char *r2 = r1 ? strstr(r1, "HTTP/1.1 200 OK") : NULL;
	char *r3 = r2 ? strstr(r2 + 1, "HTTP/1.1 200 OK") : NULL;
	cr_assert(r1 && r2 && r3, "%s", reply);
	cr_assert_null(strstr(reply, "<p>page"), "HEAD sent a body");
	cr_assert(strstr(r3, "Connection: close\r\n"));
	cr_assert(strstr(r3, "\r\n\r\n0123456789") != NULL);
	/* HTTP/1.0 without keep-alive: one answer, then EOF. */
	fd = h_connect("127.0.0.1", port);
	h_write_all(fd, "GET /hello.txt HTTP/1.0\r\n\r\n", 27);
	n = h_read_all(fd, reply, sizeof(reply) - 1, 10000);
	reply[n] = '\0';
	cr_assert(strstr(reply, "Connection: close") &&
	    strstr(reply, "hello, world\n"), "%s", reply);
	close(fd);
	h_stop(&d);
}

Test(httpd, cgi_environment_and_post)
{
	int status;
	char args[1024];

	start("");
	char *out = curl_url("-H 'Proxy: http://evil:1/' -H 'Authorization: "
	    "Basic eDp5' -H 'X-Custom: yes'", "/cgi/env.cgi/more/info?a=1&b=2");
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
	snprintf(args, sizeof(args), "--data-binary 'name=portier&x=1' "
	    "http://127.0.0.1:%u/cgi/post.cgi", port);
	out = curl(args, &status);
	cr_assert_str_eq(out, "got 16 bytes: name=portier&x=1");
	free(out);
	/* Over the -b 1000 cap: refused before the script runs. */
	snprintf(args, sizeof(args), "-i --data-binary @/etc/services "
	    "http://127.0.0.1:%u/cgi/post.cgi", port);
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
	    strstr(out, "hello, world\n"), "local redirect: %s", out);
	free(out);
	out = curl_url("-i", "/cgi/away.cgi");
	cr_assert(strstr(out, "HTTP/1.1 302 Found") &&
	    strstr(out, "Location: http://example.org/\r\n"), "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/nph-raw.cgi");
	cr_assert(strncmp(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain"
	    "\r\n\r\nraw\n", 47) == 0, "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/garbage.cgi");
	cr_assert(strstr(out, "HTTP/1.1 502 Bad Gateway"), "%s", out);
	free(out);
	out = curl_url("-i", "/cgi/hang.cgi");
	cr_assert(strstr(out, "HTTP/1.1 504 Gateway Timeout"), "%s", out);
	free(out);
	cr_assert(h_log_wait(&d, "timed out after 2 s, killed", 5000));
	out = curl_url("-i", "/cgi/noexec.cgi");
	cr_assert(strstr(out, "HTTP/1.1 200 OK") &&
	    strstr(out, "echo no"), "not executable: served as a file");
	free(out);
	h_stop(&d);
}

Test(httpd, timeouts_and_the_access_log)
{
	char reply[4096];

	start("");
	/* Idle: closed quietly after -t 5?  Use the header deadline: a
	 * slowloris that never finishes its head gets 408 after -H 2. */
	int fd = h_connect("127.0.0.1", port);
	h_write_all(fd, "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ", 33);
	ssize_t n = h_read_all(fd, reply, sizeof(reply) - 1, 8000);
	reply[n > 0 ? n : 0] = '\0';
	cr_assert(strstr(reply, "HTTP/1.1 408 Request Timeout"), "%s", reply);
	close(fd);
	/* Control characters never reach the log raw. */
	fd = h_connect("127.0.0.1", port);
	h_write_all(fd, "GET /\x1b[31mred HTTP/1.1\r\n\r\n", 27);
	h_read_all(fd, reply, sizeof(reply), 5000);
	close(fd);
	free(curl_url("", "/hello.txt"));
	cr_assert(h_log_wait(&d, "\"GET /hello.txt HTTP/1.1\" 200 13", 5000));
	char *log = h_log_read(&d);
	cr_assert_null(strchr(log, '\x1b'), "raw escape in the log");
	free(log);
	h_stop(&d);
}

Test(httpd, browser_renders_listing_and_cgi, .timeout = 120)
{
	char cmd[4096], dir[128];
	int status;

	if (access("/usr/bin/chromium", X_OK) != 0)
		cr_skip_test("chromium is not installed");
	start("");
	snprintf(dir, sizeof(dir), "%s/chromium", d.dir);
	snprintf(cmd, sizeof(cmd), "timeout 60 chromium --headless "
	    "--no-sandbox --disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir=%s --dump-dom "
	    "http://127.0.0.1:%u/dir/ 2>/dev/null", dir, port);
	char *dom = h_run(cmd, &status);
	cr_assert_eq(status, 0, "chromium failed");
	cr_assert(strstr(dom, "<h1>Index of /dir</h1>"), "%s", dom);
	cr_assert(strstr(dom, "href=\"./b.txt\">b.txt</a>"), "%s", dom);
	cr_assert(strstr(dom, "a &lt;&amp;&gt; \"q\".txt"), "%s", dom);
	free(dom);
	snprintf(cmd, sizeof(cmd), "timeout 60 chromium --headless "
	    "--no-sandbox --disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir=%s --dump-dom "
	    "'http://127.0.0.1:%u/cgi/env.cgi?from=chromium' 2>/dev/null",
	    dir, port);
	dom = h_run(cmd, &status);
	cr_assert(strstr(dom, "QUERY_STRING=from=chromium"), "%s", dom);
	free(dom);
	snprintf(cmd, sizeof(cmd), "timeout 60 chromium --headless "
	    "--no-sandbox --disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir=%s --window-size=800,600 "
	    "--screenshot=%s/tests/httpd-listing.png "
	    "http://127.0.0.1:%u/dir/ >/dev/null 2>&1", dir, TOP_BUILDDIR,
	    port);
	free(h_run(cmd, &status));
	snprintf(cmd, sizeof(cmd), "%s/tests/httpd-listing.png", TOP_BUILDDIR);
	cr_assert_eq(access(cmd, R_OK), 0, "no screenshot");
	h_stop(&d);
}
