/* SPDX-License-Identifier: ISC */
/* test_httpd.c -- the HTTP handler under the real daemon, with curl and raw
 * sockets */
#include <config.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "httpd_site.h"

void h_cleanup(void);
TestSuite(httpd, .fini = h_cleanup, .timeout = 90);

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

/* The three date forms of RFC 9110 5.6.7. */
enum date_form { IMF_FIXDATE, RFC850_DATE, ASCTIME_DATE };

/* curl options for If-Modified-Since: now + AHEAD seconds, in FORM. */
static const char *
ims_now(enum date_form form, time_t ahead)
{
	static char opts[128];
	char date[96];
	time_t t = time(NULL) + ahead;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (form == IMF_FIXDATE)
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	else if (form == RFC850_DATE) {
		/* Its two-digit year, written out by hand. */
		char day[32], clock[16];
		strftime(day, sizeof(day), "%A, %d-%b-", &tm);
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		snprintf(date, sizeof(date), "%s%02d %s GMT", day,
		         tm.tm_year % 100, clock);
	} else
		strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	snprintf(opts, sizeof(opts), "-i -H 'If-Modified-Since: %s'", date);
	return opts;
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
	/* No body: the head's ETag and Date may hold any digits. */
	cr_assert_str_eq(strstr(nm, "\r\n\r\n"), "\r\n\r\n", "%s", nm);
	free(nm);
	/* Not modified since now; a date in the future is no date we
	 * sent, so it is ignored (a client cannot pin a 304). */
	nm = curl_url(ims_now(IMF_FIXDATE, 0), "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 304 "), "%s", nm);
	free(nm);
	nm = curl_url(ims_now(IMF_FIXDATE, 86400), "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 200 "), "future date: %s", nm);
	free(nm);
	nm =
	    curl_url("-i -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT'",
	             "/digits.txt");
	cr_assert(strstr(nm, "HTTP/1.1 200 "), "future date: %s", nm);
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
	/* A chunked body reaches a script with its length; codings we do
	 * not know are not implemented (501). */
	const char *chunked = "POST /cgi/post.cgi HTTP/1.1\r\nHost: t\r\n"
	                      "Transfer-Encoding: chunked\r\nConnection: close"
	                      "\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
	cr_assert_eq(
	    raw_exchange(chunked, strlen(chunked), reply, sizeof(reply)), 200,
	    "%s", reply);
	cr_assert(strstr(reply, "\r\n\r\ngot 3 bytes: abc"), "%s", reply);
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

Test(httpd, if_range_and_old_date_forms)
{
	char opts[512];

	start("");
	char *out = curl_url("-i", "/digits.txt");
	char *etag = etag_of(out);
	snprintf(opts, sizeof(opts), "-i -r 0-3 -H 'If-Range: %s'", etag);
	char *r = curl_url(opts, "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 206 ") && strstr(r, "\r\n\r\n"), "%s", r);
	cr_assert_str_eq(strstr(r, "\r\n\r\n") + 4, "0123", "%s", r);
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
	r = curl_url(ims_now(RFC850_DATE, 0), "/digits.txt");
	cr_assert(strstr(r, "HTTP/1.1 304 "), "RFC 850 date: %s", r);
	free(r);
	r = curl_url(ims_now(ASCTIME_DATE, 0), "/digits.txt");
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
	cr_assert_null(strstr(reply, "HTTP/1.1 408"), "%s", reply);
	/* Closed by the server, not by our read's time limit. */
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 0), 1, "still open after 8 s");
	cr_assert_eq(read(fd, reply, 1), 0);
	close(fd);
	h_stop(&d);
}
