/* SPDX-License-Identifier: ISC */
/* test_httpd_cgi.c -- hostile clients and scripts against httpd's CGI
 * runner: smuggled bodies, source disclosure, truncation, forbidden
 * bodies, chunked uploads */
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

void h_cleanup(void);
TestSuite(httpcgi, .fini = h_cleanup, .timeout = 120);

static struct h_daemon d;
static uint16_t port;

/* A smuggled request: if it is ever answered, the attack worked. */
#define SMUGGLED "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"

static void
put(const char *name, const char *text, int mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "www/%s", name);
	h_write_file(&d, p, text, mode);
}

static void
dir(const char *name)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/www/%s", d.dir, name);
	cr_assert_eq(mkdir(p, 0755), 0, "%s: %s", p, strerror(errno));
}

#define CT "printf 'Content-Type: text/plain\\n\\n'\n"

static void site_script_dirs(void);
static void site_cut_off(void);

static void
site(void)
{
	dir("");
	dir("cgi");
	dir("cgi-bin");
	dir("cgi-bin/sub");
	dir("scripts");
	dir("pub");
	put("hello.txt", "hello, world\n", 0644);
	/* Stops reading at once, answers a moment later. */
	put("cgi/early.cgi",
	    "#!/bin/sh\nexec 0</dev/null\nsleep 1\n" CT "echo early\n", 0755);
	put("cgi/count.cgi",
	    "#!/bin/sh\n" CT "printf '%s ' \"$CONTENT_LENGTH\"\nwc -c\n", 0755);
	put("cgi/echo.cgi", "#!/bin/sh\n" CT "cat\n", 0755);
	put("cgi/env.cgi", "#!/bin/sh\n" CT "env\n", 0755);
	put("cgi/toenv.cgi",
	    "#!/bin/sh\nprintf 'Location: /cgi/env.cgi\\n\\n'\n", 0755);
	put("cgi/slowhead.cgi", "#!/bin/sh\n" CT "echo part1\nexec sleep 30\n",
	    0755);
	put("cgi/stream.cgi",
	    "#!/bin/sh\n" CT "head -c 1500000 /dev/zero | tr '\\0' a\n", 0755);
	put("cgi/streamhang.cgi",
	    "#!/bin/sh\n" CT "head -c 1500000 /dev/zero | tr '\\0' a\n"
	    "exec sleep 30\n",
	    0755);
	site_cut_off();
	put("cgi/s204.cgi",
	    "#!/bin/sh\nprintf 'Status: 204 No Content\\nContent-Type: "
	    "x/y\\n\\n"
	    "HTTP/1.1 200 OK\\r\\nContent-Length: 8\\r\\n\\r\\ninjected'\n",
	    0755);
	put("cgi/s304.cgi",
	    "#!/bin/sh\nprintf 'Status: 304 Not Modified\\n\\ninjected'\n",
	    0755);
	put("cgi/s100.cgi",
	    "#!/bin/sh\nprintf 'Status: 100 Continue\\nContent-Type: x/y\\n\\n"
	    "injected'\n",
	    0755);
	put("cgi/nph-204.cgi",
	    "#!/bin/sh\nprintf 'HTTP/1.1 204 No Content\\r\\n\\r\\ninjected'\n",
	    0755);
	put("cgi/nph-body.cgi",
	    "#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\nContent-Type: x/y\\r\\n"
	    "\\r\\nnphbody'\n",
	    0755);
	put("cgi/noexec.cgi", "#!/bin/sh\nSECRET=hunter2\n", 0644);
	site_script_dirs();
}

/* Scripts that end off their length, or are killed partway. */
static void
site_cut_off(void)
{
	/* A length of its own: kept, so a short body can be told. */
	put("cgi/sized.cgi",
	    "#!/bin/sh\nprintf 'Content-Type: x/y\\nContent-Length: "
	    "2000000\\n\\n'\nhead -c 1500000 /dev/zero | tr '\\0' a\n",
	    0755);
	put("cgi/exact.cgi",
	    "#!/bin/sh\nprintf 'Content-Type: x/y\\nContent-Length: "
	    "1500000\\n\\n'\nhead -c 1500000 /dev/zero | tr '\\0' a\n",
	    0755);
	put("cgi/short.cgi",
	    "#!/bin/sh\nprintf 'Content-Type: x/y\\nContent-Length: 10"
	    "\\n\\nabc'\n",
	    0755);
	/* Killed partway (a crash, the OOM killer): cut off, not done. */
	put("cgi/killed.cgi", "#!/bin/sh\n" CT "echo partial\nkill -9 $$\n",
	    0755);
	put("cgi/killedstream.cgi",
	    "#!/bin/sh\n" CT "head -c 1500000 /dev/zero | tr '\\0' a\n"
	    "kill -9 $$\n",
	    0755);
}

/* For the script directory patterns: what must never be sent. */
static void
site_script_dirs(void)
{
	put("cgi-bin/run.cgi", "#!/bin/sh\n" CT "echo ran\n", 0755);
	put("cgi-bin/config.inc", "SECRET=hunter2\n", 0644);
	put("cgi-bin/sub/lib.pl", "SECRET=hunter2\n", 0644);
	put("scripts/x", "#!/bin/sh\n" CT "echo x ran\n", 0755);
	put("scripts/data.txt", "SECRET=hunter2\n", 0644);
	char link[PATH_MAX * 2];
	snprintf(link, sizeof(link), "%s/www/pub/leak", d.dir);
	cr_assert_eq(symlink("../cgi-bin/config.inc", link), 0);
}

/* portierd serving the site with httpd ARGS (after -r). */
static void
start(const char *args)
{
	char conf[PATH_MAX * 3];

	memset(&d, 0, sizeof(d));
	h_mkdir(&d);
	site();
	port = h_free_port();
	snprintf(
	    conf, sizeof(conf),
	    "service www {\n port = %u\n bind = \"127.0.0.1\"\n"
	    " user = \"root\"\n server = \"%s/services/httpd\"\n"
	    " server_args = {\"-r\", \"%s/www\", \"-t\", \"3\", \"-T\", \"2\","
	    " \"-b\", \"300000\"%s}\n}\n",
	    port, TOP_BUILDDIR, d.dir, args);
	h_start(&d, conf);
}

/*
 * Send PARTS in turn on one connection.  Before the last part, wait up
 * to LAST_MS for the server to say something (as a client that waits for
 * an answer would), before the others up to PAUSE_MS; then read until
 * EOF or READ_MS.  Returns the reply.
 */
static char *
talk(const char *const *parts, int pause_ms, int last_ms, int read_ms)
{
	static char reply[1 << 22];
	int fd = h_connect("127.0.0.1", port);
	size_t got = 0;

	cr_assert_neq(fd, -1);
	for (int i = 0; parts[i] != NULL; i++) {
		if (i > 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			(void)poll(&pfd, 1,
			           parts[i + 1] == NULL ? last_ms : pause_ms);
		}
		h_write_all(fd, parts[i], strlen(parts[i]));
	}
	ssize_t n = h_read_all(fd, reply, sizeof(reply) - 1, read_ms);
	got = n > 0 ? (size_t)n : 0;
	reply[got] = '\0';
	close(fd);
	return reply;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* curl ARGS; its stdout, and its exit status in *STATUS. */
static char *
curl(const char *args, int *status)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "curl -s --max-time 20 %s", args);
	return h_run(cmd, status);
}

/* A "POST PATH" head with a CONTENT_LENGTH and EXTRA header lines. */
static const char *
post_head(const char *version, const char *path, size_t length,
          const char *extra)
{
	static char head[1024];

	snprintf(head, sizeof(head),
	         "POST %s HTTP/%s\r\nHost: t\r\nContent-Length: %zu\r\n%s\r\n",
	         path, version, length, extra);
	return head;
}

/* Issue 11.1: a script that stops reading its stdin must not leave the
 * rest of the body to be parsed as the next request. */
Test(httpcgi, a_body_the_script_leaves_unread_is_never_a_request)
{
	char first[2048], all[4096];
	const char *ka[][2] = {{"1.1", ""},
	                       {"1.0", "Connection: keep-alive\r\n"}};

	start("");
	for (size_t i = 0; i < 2; i++) {
		/* A piece, another once the script stopped reading, then
		 * (after the answer, if one comes) the rest. */
		snprintf(first, sizeof(first), "%sxxxxx",
		         post_head(ka[i][0], "/cgi/early.cgi",
		                   10 + strlen(SMUGGLED), ka[i][1]));
		const char *slow[] = {first, "yyyyy", SMUGGLED, NULL};
		char *reply = talk(slow, 300, 1200, 5000);
		cr_assert_eq(count(reply, "HTTP/1.1 "), 1, "%s", reply);
		cr_assert(strstr(reply, "\r\n\r\nearly\n"), "%s", reply);
		cr_assert_null(strstr(reply, "hello, world"), "%s", reply);
	}
	/* Expect: 100-continue, then the same. */
	const char *cont[] = {post_head("1.1", "/cgi/early.cgi",
	                                10 + strlen(SMUGGLED),
	                                "Expect: 100-continue\r\n"),
	                      "xxxxx", "yyyyy", SMUGGLED, NULL};
	char *reply = talk(cont, 300, 1200, 5000);
	cr_assert_eq(count(reply, " 200 OK\r\n"), 1, "%s", reply);
	cr_assert_null(strstr(reply, "hello, world"), "%s", reply);
	/* All in one write: the body is the body, the next request is the
	 * next request. */
	snprintf(all, sizeof(all),
	         "%sxxxxx" SMUGGLED "GET /hello.txt HTTP/1.1\r\nHost: t\r\n"
	         "Connection: close\r\n\r\n",
	         post_head("1.1", "/cgi/early.cgi", 5 + strlen(SMUGGLED), ""));
	const char *one[] = {all, NULL};
	reply = talk(one, 0, 0, 4500);
	cr_assert_eq(count(reply, "HTTP/1.1 200 OK"), 2, "%s", reply);
	cr_assert_eq(count(reply, "hello, world"), 1, "%s", reply);
	/* A body that never ends: 408 after -T, and closed. */
	snprintf(first, sizeof(first), "%sxx",
	         post_head("1.1", "/cgi/early.cgi", 100, ""));
	const char *stall[] = {first, NULL};
	reply = talk(stall, 0, 0, 6000);
	cr_assert(strncmp(reply, "HTTP/1.1 408 ", 13) == 0, "%s", reply);
	cr_assert(strstr(reply, "Connection: close\r\n"), "%s", reply);
	/* An error answered before the body: closed, the body unread. */
	const char *err[] = {
	    post_head("1.1", "/missing.cgi", strlen(SMUGGLED), ""), SMUGGLED,
	    NULL};
	reply = talk(err, 1500, 1500, 4500);
	cr_assert(strncmp(reply, "HTTP/1.1 404 ", 13) == 0, "%s", reply);
	cr_assert(strstr(reply, "Connection: close\r\n"), "%s", reply);
	cr_assert_null(strstr(reply, "hello, world"), "%s", reply);
	h_stop(&d);
}

/* PATH (with curl OPTS) is refused, and nothing of a secret leaks. */
static void
refused(const char *opts, const char *path)
{
	char args[1024];
	int status;

	snprintf(args, sizeof(args), "-i %s 'http://127.0.0.1:%u%s'", opts,
	         port, path);
	char *out = curl(args, &status);
	cr_assert(strstr(out, "HTTP/1.1 403 ") || strstr(out, "HTTP/1.1 404 "),
	          "%s: %s", path, out);
	cr_assert_null(strstr(out, "hunter2"), "%s: %s", path, out);
	free(out);
}

static void
ran(const char *path, const char *want)
{
	char args[1024];
	int status;

	snprintf(args, sizeof(args), "'http://127.0.0.1:%u%s'", port, path);
	char *out = curl(args, &status);
	cr_assert_str_eq(out, want, "%s", path);
	free(out);
}

/* Issue 11.3: under a CGI location a file runs or is refused (403). */
Test(httpcgi, script_source_is_never_sent)
{
	start("");
	refused("", "/cgi/noexec.cgi");
	refused("-I", "/cgi/noexec.cgi");
	refused("-r 0-20", "/cgi/noexec.cgi");
	refused("", "/cgi/noexec.cgi/x");
	refused("", "/cgi/./noexec%2ecgi");
	h_stop(&d);
	start(", \"-c\", \"/cgi-bin/*.cgi\"");
	refused("", "/cgi-bin/config.inc");
	refused("-I", "/cgi-bin/config.inc");
	refused("", "/cgi-bin/%63onfig.inc");
	refused("", "/cgi-bin/sub/lib.pl");
	refused("", "/cgi-bin/");
	refused("", "/cgi-bin");
	refused("", "/cgi-bin/sub/");
	refused("", "/pub/leak"); /* a symlink into the script directory */
	ran("/cgi-bin/run.cgi", "ran\n");
	ran("/hello.txt", "hello, world\n");
	h_stop(&d);
	/* A pattern naming a directory: a ScriptAlias. */
	start(", \"-c\", \"/scripts\"");
	ran("/scripts/x", "x ran\n");
	refused("", "/scripts/data.txt");
	refused("", "/scripts/");
	h_stop(&d);
}

/* Issue 11.6: -T passing after the script's head, before ours: 504. */
Test(httpcgi, a_script_timed_out_before_our_head_is_a_504)
{
	start("");
	const char *heads[] = {"GET /cgi/slowhead.cgi HTTP/1.1\r\nHost: t\r\n"
	                       "Connection: close\r\n\r\n",
	                       "GET /cgi/slowhead.cgi HTTP/1.0\r\n\r\n",
	                       "HEAD /cgi/slowhead.cgi HTTP/1.1\r\nHost: t\r\n"
	                       "Connection: close\r\n\r\n"};
	for (size_t i = 0; i < 3; i++) {
		const char *one[] = {heads[i], NULL};
		char *reply = talk(one, 0, 0, 6000);
		cr_assert(strncmp(reply, "HTTP/1.1 504 ", 13) == 0, "%s",
		          reply);
		cr_assert_null(strstr(reply, "part1"), "%s", reply);
	}
	/* The body was read whole and the script is gone: after the 504
	 * the connection goes on, in step. */
	const char *then[] = {
	    "GET /cgi/slowhead.cgi HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "\r\n",
	    NULL};
	char *next = talk(then, 0, 0, 8000);
	cr_assert(strncmp(next, "HTTP/1.1 504 ", 13) == 0, "%s", next);
	cr_assert(strstr(next, "hello, world\n"), "%s", next);
	h_stop(&d);
}

/* Issue 11.6: a script cut off never looks like a complete answer. */
Test(httpcgi, a_cut_off_script_never_looks_complete)
{
	char args[1024];
	int status;

	start("");
	/* HTTP/1.1: chunked, with its last chunk, and the connection
	 * goes on to the next request. */
	snprintf(args, sizeof(args),
	         "-o /dev/null -o /dev/null -w '%%{num_connects} "
	         "%%{size_download}\\n' http://127.0.0.1:%u/cgi/stream.cgi "
	         "http://127.0.0.1:%u/cgi/stream.cgi",
	         port, port);
	char *out = curl(args, &status);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(out, "1 1500000\n0 1500000\n");
	free(out);
	/* Its own length, met: the connection goes on too. */
	snprintf(args, sizeof(args),
	         "-o /dev/null -o /dev/null -w '%%{num_connects} "
	         "%%{size_download}\\n' http://127.0.0.1:%u/cgi/exact.cgi "
	         "http://127.0.0.1:%u/cgi/exact.cgi",
	         port, port);
	out = curl(args, &status);
	cr_assert_str_eq(out, "1 1500000\n0 1500000\n");
	free(out);
	const char *get = "GET /cgi/stream.cgi HTTP/1.1\r\nHost: t\r\n"
	                  "Connection: close\r\n\r\n";
	const char *one[] = {get, NULL};
	char *reply = talk(one, 0, 0, 10000);
	cr_assert(strstr(reply, "\r\nTransfer-Encoding: chunked\r\n"), "%s",
	          reply);
	size_t n = strlen(reply);
	cr_assert(n > 5 && strcmp(reply + n - 7, "\r\n0\r\n\r\n") == 0);
	/* Cut off after 1.5 MB: no last chunk, and curl can tell. */
	one[0] = "GET /cgi/streamhang.cgi HTTP/1.1\r\nHost: t\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	n = strlen(reply);
	cr_assert(strstr(reply, "\r\nTransfer-Encoding: chunked\r\n"));
	cr_assert(n > 1500000 && strcmp(reply + n - 5, "0\r\n\r\n") != 0);
	snprintf(args, sizeof(args),
	         "-o /dev/null http://127.0.0.1:%u/cgi/streamhang.cgi", port);
	free(curl(args, &status));
	cr_assert_neq(status, 0, "curl took a cut body for a whole one");
	/* HTTP/1.0 has no chunks: the end is the close. */
	one[0] = "GET /cgi/stream.cgi HTTP/1.0\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	cr_assert_null(strstr(reply, "Transfer-Encoding"), "%.300s", reply);
	cr_assert(strstr(reply, "Connection: close\r\n"), "%.300s", reply);
	cr_assert_eq(strlen(strstr(reply, "\r\n\r\n") + 4), 1500000);
	h_stop(&d);
}

/* Issue 11.6: a script killed partway, or short of its own length. */
Test(httpcgi, a_killed_or_short_script_never_looks_complete)
{
	const char *one[] = {NULL, NULL};
	char *reply;
	size_t n;

	start("");
	/* A script killed by a signal: 502 while our head is unsent, else
	 * no last chunk. */
	one[0] = "GET /cgi/killed.cgi HTTP/1.1\r\nHost: t\r\n"
	         "Connection: close\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	cr_assert(strncmp(reply, "HTTP/1.1 502 ", 13) == 0, "%s", reply);
	cr_assert_null(strstr(reply, "partial"), "%s", reply);
	one[0] = "GET /cgi/killedstream.cgi HTTP/1.1\r\nHost: t\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	n = strlen(reply);
	cr_assert(n > 1500000 && strcmp(reply + n - 5, "0\r\n\r\n") != 0);
	/* The script's own length, not met: 502 while our head is unsent,
	 * else that length and the close (HTTP/1.0 as well). */
	one[0] = "GET /cgi/short.cgi HTTP/1.0\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	cr_assert(strncmp(reply, "HTTP/1.1 502 ", 13) == 0, "%s", reply);
	one[0] = "GET /cgi/sized.cgi HTTP/1.0\r\n\r\n";
	reply = talk(one, 0, 0, 10000);
	cr_assert(strstr(reply, "\r\nContent-Length: 2000000\r\n"), "%.300s",
	          reply);
	cr_assert_eq(strlen(strstr(reply, "\r\n\r\n") + 4), 1500000);
	h_stop(&d);
}

/* Issue 11.7: no body with 1xx, 204, 304, or to HEAD. */
Test(httpcgi, no_body_where_none_may_be)
{
	char req[1024];
	const char *next = "GET /hello.txt HTTP/1.1\r\nHost: t\r\n"
	                   "Connection: close\r\n\r\n";
	const char *scripts[] = {"s204", "s304"};

	start("");
	for (size_t i = 0; i < 2; i++) {
		snprintf(req, sizeof(req),
		         "GET /cgi/%s.cgi HTTP/1.1\r\nHost: t\r\n\r\n%s",
		         scripts[i], next);
		const char *one[] = {req, NULL};
		char *reply = talk(one, 0, 0, 5000);
		cr_assert_null(strstr(reply, "injected"), "%s", reply);
		cr_assert_eq(count(reply, "HTTP/1.1 "), 2, "%s", reply);
		cr_assert_eq(count(reply, "Content-Length"), 1, "%s", reply);
		cr_assert(strstr(reply, "hello, world\n"), "%s", reply);
	}
	const char *bad[] = {
	    "GET /cgi/s100.cgi HTTP/1.1\r\nHost: t\r\n\r\n",
	    "GET /cgi/nph-204.cgi HTTP/1.1\r\nHost: t\r\n\r\n",
	    "HEAD /cgi/nph-body.cgi HTTP/1.1\r\nHost: t\r\n\r\n",
	    "HEAD /cgi/stream.cgi HTTP/1.0\r\n\r\n"};
	for (size_t i = 0; i < 4; i++) {
		const char *one[] = {bad[i], NULL};
		char *reply = talk(one, 0, 0, 5000);
		cr_assert_null(strstr(reply, "injected"), "%s", reply);
		cr_assert_null(strstr(reply, "nphbody"), "%s", reply);
		cr_assert_null(strstr(reply, "aaaa"), "%.300s", reply);
		if (i == 0)
			cr_assert(strncmp(reply, "HTTP/1.1 502 ", 13) == 0);
	}
	/* HEAD of a streamed answer, then the next request: one head each. */
	snprintf(req, sizeof(req),
	         "HEAD /cgi/stream.cgi HTTP/1.1\r\nHost: t"
	         "\r\n\r\n%s",
	         next);
	const char *one[] = {req, NULL};
	char *reply = talk(one, 0, 0, 5000);
	cr_assert_null(strstr(reply, "aaaa"), "%.300s", reply);
	cr_assert_eq(count(reply, "HTTP/1.1 200 OK"), 2, "%s", reply);
	h_stop(&d);
}

/* Issue 11.9: the script a local redirect runs is asked a GET, with no
 * trace of the first request's body. */
Test(httpcgi, a_local_redirect_drops_the_body)
{
	char args[1024];
	int status;
	const char *how[] = {"", "-H 'Transfer-Encoding: chunked'"};

	start("");
	for (size_t i = 0; i < 2; i++) {
		snprintf(
		    args, sizeof(args),
		    "%s -H 'Content-Type: text/x-secret' --data-binary abc "
		    "http://127.0.0.1:%u/cgi/toenv.cgi",
		    how[i], port);
		char *out = curl(args, &status);
		cr_assert(strstr(out, "\nREQUEST_METHOD=GET\n"), "%s", out);
		cr_assert_null(strstr(out, "CONTENT_LENGTH"), "%s", out);
		cr_assert_null(strstr(out, "x-secret"), "%s", out);
		free(out);
	}
	h_stop(&d);
}

/* Chunked uploads reach the script whole, with their length. */
Test(httpcgi, chunked_request_bodies)
{
	char args[PATH_MAX + 256];
	int status;
	static char big[200001];

	start("");
	memset(big, 'b', 200000);
	big[200000] = '\0';
	const char *file = h_write_file(&d, "upload", big, 0644);
	snprintf(args, sizeof(args),
	         "-H 'Transfer-Encoding: chunked' --data-binary @%s "
	         "http://127.0.0.1:%u/cgi/count.cgi",
	         file, port);
	char *out = curl(args, &status);
	cr_assert_str_eq(out, "200000 200000\n");
	free(out);
	/* A client that sends its chunks slowly, with extensions and a
	 * trailer. */
	const char *slow[] = {
	    "POST /cgi/echo.cgi HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n",
	    "5\r\nhello\r\n",
	    "6;x=y\r\n world\r\n",
	    "0\r\nX-T: 1\r\n\r\n",
	    "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
	    NULL};
	char *reply = talk(slow, 300, 300, 5000);
	cr_assert(strstr(reply, "\r\n\r\nhello world"), "%s", reply);
	cr_assert(strstr(reply, "hello, world\n"), "keep-alive: %s", reply);
	h_stop(&d);
}

/* Chunked bodies over the cap, or malformed: refused, and closed. */
Test(httpcgi, chunked_bodies_too_large_or_malformed)
{
	static char big[720000];
	char *reply;

	start("");
	/* Over the cap (-b 300000): 413, closed. */
	size_t n =
	    (size_t)snprintf(big, sizeof(big),
	                     "POST /cgi/count.cgi HTTP/1.1\r\nHost: t\r\n"
	                     "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 40; i++) {
		n += (size_t)snprintf(big + n, sizeof(big) - n, "1f40\r\n");
		memset(big + n, 'c', 8000);
		n += 8000;
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	}
	snprintf(big + n, sizeof(big) - n, "0\r\n\r\n");
	const char *over[] = {big, NULL};
	reply = talk(over, 0, 0, 5000);
	cr_assert(strncmp(reply, "HTTP/1.1 413 ", 13) == 0, "%.300s", reply);
	cr_assert(strstr(reply, "Connection: close\r\n"), "%s", reply);
	/* Little data in a flood of chunk extensions: too large as well. */
	n = (size_t)snprintf(big, sizeof(big),
	                     "POST /cgi/count.cgi HTTP/1.1\r\nHost: t\r\n"
	                     "Transfer-Encoding: chunked\r\n\r\n");
	while (n + 4200 < sizeof(big)) {
		n += (size_t)snprintf(big + n, sizeof(big) - n, "1;");
		memset(big + n, 'e', 4000);
		n += 4000;
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\nx\r\n");
	}
	reply = talk(over, 0, 0, 5000);
	cr_assert(strncmp(reply, "HTTP/1.1 413 ", 13) == 0, "%.300s", reply);
	const char *bad[] = {"POST /cgi/count.cgi HTTP/1.1\r\nHost: t\r\n"
	                     "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
	                     NULL};
	reply = talk(bad, 0, 0, 5000);
	cr_assert(strncmp(reply, "HTTP/1.1 400 ", 13) == 0, "%s", reply);
	cr_assert(strstr(reply, "Connection: close\r\n"), "%s", reply);
	h_stop(&d);
}
