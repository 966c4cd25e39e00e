/* SPDX-License-Identifier: ISC */
/* test_httpd.c -- the HTTP handler under the real daemon, with curl and raw
 * sockets */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* A sparse file of SIZE bytes, modified 2026-01-02 03:04:05 UTC. */
static void
sized_file_in(const char *name, off_t size)
{
	char p[PATH_MAX * 2];
	const struct timespec when[2] = {{1767323045, 0}, {1767323045, 0}};

	snprintf(p, sizeof(p), "%s/%s", root, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_neq(fd, -1, "%s: %s", p, strerror(errno));
	cr_assert_eq(ftruncate(fd, size), 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(futimens(fd, when), 0);
	close(fd);
}

/* portierd running httpd on DOCROOT, on a free loopback port. */
static void
serve(const char *docroot, const char *extra_args)
{
	char conf[PATH_MAX * 3];

	port = h_free_port();
	snprintf(conf, sizeof(conf),
	         "service www {\n port = %u\n bind = \"127.0.0.1\"\n"
	         " user = \"root\"\n server = \"%s/services/httpd\"\n"
	         " server_args = {\"-r\", \"%s\", \"-t\", \"5\", \"-T\", \"6\","
	         " \"-H\", \"2\", \"-b\", \"1000\"%s}\n}\n",
	         port, TOP_BUILDDIR, docroot, extra_args);
	h_start(&d, conf);
}

/* A docroot with every case, and the daemon serving it. */
static void
start(const char *extra_args)
{
	char p[PATH_MAX * 2];

	memset(&d, 0, sizeof(d));
	h_mkdir(&d);
	snprintf(root, sizeof(root), "%s/www", d.dir);
	mkdir(root, 0755);
	mkdir_in("dir");
	mkdir_in("dir/sub");
	mkdir_in("withindex");
	mkdir_in("with space");
	mkdir_in("cgi");
	mkdir_in("run");
	mkdir_in("app");
	file_in("hello.txt", "hello, world\n", 0644);
	file_in("page.html", "<p>page</p>\n", 0644);
	file_in(".secret", "hidden\n", 0644);
	file_in("dir/b.txt", "b\n", 0644);
	file_in("dir/a <&> \"q\".txt", "odd\n", 0644);
	file_in("dir/.dotfile", "x\n", 0644);
	sized_file_in("dir/kilo.bin", 1234);
	sized_file_in("dir/mega.tar", 3565158);
	sized_file_in("dir/giga.iso", 5368709120);
	sized_file_in("dir/almost.bin", 1048575);
	file_in("withindex/index.html", "<p>index</p>\n", 0644);
	file_in("digits.txt", "0123456789", 0644);
	file_in("cgi/env.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\r\\n\\r\\n'\nenv | sort\n",
	        0755);
	file_in("cgi/post.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\r\\n\\r\\n'\nprintf 'got %s bytes: ' \"$CONTENT_LENGTH\"\n"
	        "head -c \"$CONTENT_LENGTH\"\n",
	        0755);
	file_in("cgi/garbage.cgi", "#!/bin/sh\necho 'this is not a header'\n",
	        0755);
	file_in("cgi/hang.cgi", "#!/bin/sh\nexec sleep 30\n", 0755);
	file_in("cgi/status.cgi",
	        "#!/bin/sh\nprintf 'Status: 418 Teapot\\n"
	        "Content-Type: text/plain\\n\\nshort and stout\\n'\n",
	        0755);
	file_in("cgi/redirect.cgi",
	        "#!/bin/sh\nprintf 'Location: "
	        "/hello.txt\\n\\n'\n",
	        0755);
	file_in("cgi/away.cgi",
	        "#!/bin/sh\nprintf 'Location: "
	        "http://example.org/\\n\\n'\n",
	        0755);
	file_in("cgi/nph-raw.cgi",
	        "#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\n"
	        "Content-Type: text/plain\\r\\n\\r\\nraw\\n'\n",
	        0755);
	file_in("cgi/noexec.cgi", "#!/bin/sh\necho no\n", 0644);
	/* cwd, stdin to EOF (the server must end it at CONTENT_LENGTH), and
	 * a line on stderr that belongs in the log. */
	file_in("cgi/cwd.cgi",
	        "#!/bin/sh\necho cgi-stderr-line >&2\n"
	        "printf 'Content-Type: text/plain\\n\\n'\npwd\ncat\n"
	        "printf '|end'\n",
	        0755);
	file_in("cgi/nph-404.cgi",
	        "#!/bin/sh\nprintf 'HTTP/1.1 404 Nope\\r"
	        "\\n\\r\\n'\n",
	        0755);
	file_in("run/plain",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\n\\nran\\n'\n",
	        0755);
	file_in("odd.xyz", "x", 0644);
	file_in("app/index.cgi",
	        "#!/bin/sh\nprintf 'Content-Type: text/plain"
	        "\\n\\n%s %s\\n' \"$REQUEST_METHOD\" \"$SCRIPT_NAME\"\n",
	        0755);
	file_in("image.png", "\x89PNG", 0644);
	file_in("noext", "n", 0644);
	snprintf(p, sizeof(p), "%s/outside", root);
	cr_assert_eq(symlink("/etc", p), 0);
	serve(root, extra_args);
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

	snprintf(req, sizeof(req),
	         "GET %s HTTP/1.1\r\nHost: t\r\n"
	         "Connection: close\r\n\r\n",
	         path);
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

/* The ETag in a response head, cut out in place. */
static char *
etag_of(char *head)
{
	char *etag = strstr(head, "ETag: ");

	cr_assert_not_null(etag, "%s", head);
	etag += 6;
	etag[strcspn(etag, "\r")] = '\0';
	return etag;
}

Test(httpd, conditional_and_range_requests)
{
	char opts[512];

	start("");
	char *out = curl_url("-i", "/digits.txt");
	char *etag = etag_of(out);
	snprintf(opts, sizeof(opts), "-i -H 'If-None-Match: %s'", etag);
	free(curl_url("", "/digits.txt"));
	char *nm = curl_url(opts, "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 304 Not Modified"), "%s", nm);
	cr_assert(strstr(nm, "0123") == NULL);
	free(nm);
	nm =
	    curl_url("-i -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT'",
	             "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 304 "), "%s", nm);
	free(nm);
	nm =
	    curl_url("-i -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT'",
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
	/* Size and modification time beside each name. */
	cr_assert(strstr(out, "b.txt</a></td><td class=\"size\" "
	                      "title=\"2 bytes\">2</td><td class=\"time\">"
	                      "<time datetime=\"20"),
	          "%s", out);
	cr_assert(strstr(out, "sub/</a></td><td class=\"size\">-</td>"
	                      "<td class=\"time\"><time datetime=\"20"),
	          "%s", out);
	free(out);
	/* The redirect keeps the query and re-encodes the path. */
	out = curl_url("-i", "/with%20space?x=1");
	cr_assert(strstr(out, "Location: /with%20space/?x=1\r\n"), "%s", out);
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
	                        reply, sizeof(reply)),
	             405);
	cr_assert(strstr(reply, "Allow: GET, HEAD\r\n"), "%s", reply);
	cr_assert_eq(raw_status("BREW /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
	                        reply, sizeof(reply)),
	             501);
	cr_assert_eq(raw_status("GET / HTTP/2.0\r\nHost: t\r\n\r\n", reply,
	                        sizeof(reply)),
	             505);
	cr_assert_eq(raw_status("GET / HTTP/1.1\r\n\r\n", reply, sizeof(reply)),
	             400);
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
	              strstr(reply, "hello, world\n"),
	          "%s", reply);
	close(fd);
	h_stop(&d);
}

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
	out = curl_url("-i", "/cgi/noexec.cgi");
	cr_assert(strstr(out, "HTTP/1.1 200 OK") && strstr(out, "echo no"),
	          "not executable: served as a file");
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
	/* Empty lines before a request: skipped, and not what is logged. */
	const char *crlf = "\r\n\r\nGET /page.html HTTP/1.1\r\nHost: t\r\n"
	                   "Connection: close\r\n\r\n";
	cr_assert_eq(raw_status(crlf, reply, sizeof(reply)), 200);
	cr_assert(h_log_wait(&d, "\"GET /page.html HTTP/1.1\" 200 12", 5000));
	char *log = h_log_read(&d);
	cr_assert_null(strchr(log, '\x1b'), "raw escape in the log");
	free(log);
	h_stop(&d);
}

/* Headless Chromium on PATH: the rendered DOM (or, with SHOT, a
 * screenshot there).  Bounded by timeout(1). */
static char *
chromium(const char *path, const char *shot)
{
	char cmd[PATH_MAX * 3], out[PATH_MAX + 32];
	static int run;
	int status;

	/* A fresh profile each run: a profile still locked by the last
	 * instance's exiting processes would be handed to them instead. */
	snprintf(out, sizeof(out), "--screenshot=%s", shot ? shot : "");
	snprintf(cmd, sizeof(cmd),
	         "timeout 90 chromium --headless "
	         "--no-sandbox --disable-gpu --disable-quic --no-first-run "
	         "--disable-background-networking --disable-component-update "
	         "--disable-sync --user-data-dir=%s/chromium-%d "
	         "--window-size=800,600 %s 'http://127.0.0.1:%u%s' 2>/dev/null",
	         d.dir, run++, shot ? out : "--dump-dom", port, path);
	char *dom = h_run(cmd, &status);
	cr_assert_eq(status, 0, "chromium failed on %s", path);
	return dom;
}

/* The href of the link whose text is TEXT, from a dumped DOM. */
static char *
href_of(const char *dom, const char *text)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "\">%s</a>", text);
	const char *end = strstr(dom, needle);
	cr_assert_not_null(end, "no link %s in %s", text, dom);
	const char *start = end;
	while (start > dom && strncmp(start, "href=\"", 6) != 0)
		start--;
	cr_assert(start > dom);
	return strndup(start + 6, (size_t)(end - start - 6));
}

/* Human sizes with the exact one on hover, times with their zone, a
 * viewport for phones, and the name still escaped in the title. */
Test(httpd, listing_reads_well)
{
	start("");
	char *out = curl_url("", "/dir/");
	const char *rows[] = {
	    "kilo.bin</a></td><td class=\"size\" title=\"1234 bytes\">1.2K"
	    "</td><td class=\"time\"><time datetime=\"2026-01-02T03:04:05Z\">"
	    "2026-01-02 03:04 UTC</time></td></tr>\n",
	    "mega.tar</a></td><td class=\"size\" title=\"3565158 bytes\">"
	    "3.4M</td>",
	    "giga.iso</a></td><td class=\"size\" title=\"5368709120 bytes\">"
	    "5.0G</td>",
	    /* 1023.999K reads better as the next unit up. */
	    "almost.bin</a></td><td class=\"size\" title=\"1048575 bytes\">"
	    "1.0M</td>",
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">",
	    "<th class=\"size\">Size</th>",
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_assert(strstr(out, rows[i]), "no %s in %s", rows[i], out);
	free(out);
	out = curl_url("", "/with%20space/");
	cr_assert(strstr(out, "<title>Index of /with space/</title>"), "%s",
	          out);
	free(out);
	h_stop(&d);
}

Test(httpd, browser_renders_listing_and_cgi, .timeout = 400)
{
	char url[PATH_MAX], shot[PATH_MAX];

	if (access("/usr/bin/chromium", X_OK) != 0)
		cr_skip_test("chromium is not installed");
#ifdef __SANITIZE_ADDRESS__
	/* It checks rendering, not memory; the normal pass runs it. */
	cr_skip_test("the browser test runs in the normal build only");
#endif
	start("");
	char *dom = chromium("/dir/", NULL);
	cr_assert(strstr(dom, "<h1>Index of /dir/</h1>"), "%s", dom);
	cr_assert_null(strstr(dom, "dotfile"), "%s", dom);
	/* The links the browser sees lead to the files: follow them. */
	const char *names[] = {"b.txt", "a &lt;&amp;&gt; \"q\".txt", "sub/"};
	const char *bodies[] = {"b\n", "odd\n", "<h1>Index of /dir/sub/</h1>"};
	for (size_t i = 0; i < 3; i++) {
		char *href = href_of(dom, names[i]);
		cr_assert_eq(strncmp(href, "./", 2), 0, "%s", href);
		snprintf(url, sizeof(url), "/dir/%s", href + 2);
		char *got = curl_url("", url);
		cr_assert(strstr(got, bodies[i]), "%s -> %s", url, got);
		free(got);
		free(href);
	}
	free(dom);
	dom = chromium("/cgi/env.cgi?from=chromium", NULL);
	cr_assert(strstr(dom, "QUERY_STRING=from=chromium"), "%s", dom);
	cr_assert(strstr(dom, "HTTP_USER_AGENT=Mozilla/"), "%s", dom);
	free(dom);
	snprintf(shot, sizeof(shot), "%s/tests/httpd-listing.png",
	         TOP_BUILDDIR);
	unlink(shot);
	free(chromium("/dir/", shot));
	FILE *fp = fopen(shot, "rb");
	cr_assert_not_null(fp, "no screenshot");
	unsigned char magic[8] = {0};
	cr_assert_eq(fread(magic, 1, 8, fp), 8);
	fclose(fp);
	cr_assert_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0, "not a PNG");
	h_stop(&d);
}

/* Send REQUEST (LEN bytes) on a fresh connection; the reply until EOF. */
static int
raw_exchange(const char *request, size_t len, char *reply, size_t size)
{
	int fd = h_connect("127.0.0.1", port);

	cr_assert_neq(fd, -1);
	h_write_all(fd, request, len);
	ssize_t n = h_read_all(fd, reply, size - 1, 10000);
	close(fd);
	reply[n > 0 ? n : 0] = '\0';
	int code = 0;
	sscanf(reply, "HTTP/1.1 %d", &code);
	return code;
}

/* Two framings, two lengths or two Hosts: a proxy and we could disagree
 * on where a request ends (smuggling), so refuse and close. */
Test(httpd, body_framing_is_strict)
{
	char reply[8192];
	const char *bad[] = {
	    "Content-Length: 0\r\nContent-Length: 40",
	    "Content-Length: 5\r\nTransfer-Encoding: chunked",
	    "Content-Length: -1",
	    "Host: other",
	};
	char req[512];

	start("");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int n = snprintf(
		    req, sizeof(req),
		    "GET /hello.txt HTTP/1.1\r\n"
		    "Host: t\r\n%s\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t"
		    "\r\n\r\n",
		    bad[i]);
		cr_assert_eq(raw_exchange(req, (size_t)n, reply, sizeof(reply)),
		             400, "%s: %s", bad[i], reply);
		cr_assert(strstr(reply, "Connection: close\r\n"), "%s", reply);
		cr_assert_null(strstr(reply, "hello, world"), "%s", reply);
	}
	/* Chunked bodies: CGI needs a length (411); codings we do not know
	 * are not implemented (501). */
	const char *chunked = "POST /cgi/post.cgi HTTP/1.1\r\nHost: t\r\n"
	                      "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0"
	                      "\r\n\r\n";
	cr_assert_eq(
	    raw_exchange(chunked, strlen(chunked), reply, sizeof(reply)), 411,
	    "%s", reply);
	const char *gzip = "POST /cgi/post.cgi HTTP/1.1\r\nHost: t\r\n"
	                   "Transfer-Encoding: gzip, chunked\r\n\r\n";
	cr_assert_eq(raw_exchange(gzip, strlen(gzip), reply, sizeof(reply)),
	             501, "%s", reply);
	/* A body sent to a file is not read: answered, then closed, so it
	 * is never taken for the next request. */
	const char *post =
	    "POST /hello.txt HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 37\r\n\r\nGET /page.html HTTP/1.1\r\n"
	    "Host: t\r\n\r\n";
	cr_assert_eq(raw_exchange(post, strlen(post), reply, sizeof(reply)),
	             405, "%s", reply);
	cr_assert(strstr(reply, "Allow: GET, HEAD\r\n"), "%s", reply);
	cr_assert_null(strstr(reply, "<p>page"), "%s", reply);
	h_stop(&d);
}

Test(httpd, http10_keep_alive_and_many_pipelined)
{
	char reply[65536];
	static char many[100 * 64];
	size_t n = 0;

	start("");
	int fd = h_connect("127.0.0.1", port);
	const char *ka = "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive"
	                 "\r\n\r\n";
	h_write_all(fd, ka, strlen(ka));
	ssize_t got = h_read_all(fd, reply, 200, 5000);
	reply[got > 0 ? got : 0] = '\0';
	cr_assert(strstr(reply, "Connection: keep-alive\r\n"), "%s", reply);
	/* A hundred requests in one write: a hundred answers, in order. */
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
		                      "GET %s "
		                      "HTTP/1.1\r\nHost: t\r\n%s\r\n",
		                      i % 2 ? "/digits.txt" : "/hello.txt",
		                      i == 99 ? "Connection: close\r\n" : "");
	fd = h_connect("127.0.0.1", port);
	h_write_all(fd, many, n);
	got = h_read_all(fd, reply, sizeof(reply) - 1, 10000);
	close(fd);
	reply[got > 0 ? got : 0] = '\0';
	int answers = 0;
	const char *want[] = {"hello, world\n", "0123456789"};
	for (char *p = reply; (p = strstr(p, "HTTP/1.1 200 OK\r\n")); p++) {
		char *body = strstr(p, "\r\n\r\n");
		cr_assert(body && strncmp(body + 4, want[answers % 2],
		                          strlen(want[answers % 2])) == 0,
		          "answer %d", answers);
		answers++;
	}
	cr_assert_eq(answers, 100);
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

Test(httpd, if_range_and_old_date_forms)
{
	char opts[512];

	start("");
	char *out = curl_url("-i", "/digits.txt");
	char *etag = etag_of(out);
	snprintf(opts, sizeof(opts), "-i -r 0-3 -H 'If-Range: %s'", etag);
	char *r = curl_url(opts, "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 206 ") && strstr(r, "\r\n\r\n0123") &&
	              !strstr(r, "01234"),
	          "%s", r);
	free(r);
	r = curl_url("-i -r 0-3 -H 'If-Range: \"stale\"'", "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 200 ") && strstr(r, "\r\n\r\n0123456789"),
	          "%s", r);
	free(r);
	r = curl_url("-i -r 0-3 -H 'If-Range: Sat, 01 Jan 2000 00:00:00 GMT'",
	             "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 200 "), "%s", r);
	free(r);
	free(out);
	r = curl_url("-i -H 'If-Modified-Since: Friday, 01-Jan-38 00:00:00 "
	             "GMT'",
	             "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 304 "), "RFC 850 date: %s", r);
	free(r);
	r = curl_url("-i -H 'If-Modified-Since: Fri Jan  1 00:00:00 2100'",
	             "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 304 "), "asctime date: %s", r);
	free(r);
	r = curl_url("-i -H 'If-Modified-Since: yesterday'", "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 200 "), "bad date ignored: %s", r);
	free(r);
	h_stop(&d);
}

Test(httpd, content_types_and_error_pages)
{
	char reply[8192];

	h_mkdir(&d);
	h_write_file(&d, "types", "# test\nfoo/bar   xyz  XYZ2\n", 0644);
	char extra[PATH_MAX + 32];
	snprintf(extra, sizeof(extra), ", \"-m\", \"%s/types\"", d.dir);
	start(extra);
	char *out = curl_url("-I", "/odd.xyz");
	cr_assert(strstr(out, "Content-Type: foo/bar\r\n"), "%s", out);
	free(out);
	out = curl_url("-I", "/noext");
	cr_assert(strstr(out, "Content-Type: application/octet-stream\r\n"),
	          "%s", out);
	free(out);
	h_stop(&d);
	/* A missing mime.types: the built-in table. */
	start(", \"-m\", \"/nonexistent/mime.types\"");
	out = curl_url("-I", "/image.png");
	cr_assert(strstr(out, "Content-Type: image/png\r\n"), "%s", out);
	free(out);
	/* Error pages are small HTML that never echo the request. */
	const char *xss = "GET /<script>alert(1)</script> HTTP/1.1\r\nHost: t"
	                  "\r\nConnection: close\r\n\r\n";
	cr_assert_eq(raw_exchange(xss, strlen(xss), reply, sizeof(reply)), 404);
	cr_assert(strstr(reply, "Content-Type: text/html; charset=utf-8\r\n"),
	          "%s", reply);
	cr_assert(strstr(reply, "<h1>404 Not Found</h1>"), "%s", reply);
	cr_assert_null(strstr(reply, "script"), "%s", reply);
	h_stop(&d);
}

Test(httpd, idle_connection_closes_quietly)
{
	char reply[256];

	start(", \"-t\", \"1\"");
	int fd = h_connect("127.0.0.1", port);
	/* One request, then silence: EOF after the idle timeout, no 408. */
	const char *one = "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n";
	h_write_all(fd, one, strlen(one));
	ssize_t got = h_read_all(fd, reply, sizeof(reply) - 1, 8000);
	reply[got > 0 ? got : 0] = '\0';
	cr_assert(strstr(reply, "hello, world\n"), "%s", reply);
	cr_assert_null(strstr(reply, "408"), "%s", reply);
	/* Closed by the server, not by our read's time limit. */
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 0), 1, "still open after 8 s");
	cr_assert_eq(read(fd, reply, 1), 0);
	close(fd);
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
