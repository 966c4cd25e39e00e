/* SPDX-License-Identifier: ISC */
/* main.c -- httpd: one HTTP/1.1 connection on stdin/stdout, keep-alive */
#include <config.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"

#define EXIT_USAGE 100
#define EXIT_TEMPORARY 111

static void __attribute__((noreturn)) usage(void)
{
	fprintf(
	    stderr,
	    "usage: httpd -r docroot [-i index.html,index.htm] "
	    "[-c '*.cgi'] [-m mime.types] [-t idle-seconds] [-n servername] "
	    "[-b body-max-bytes] [-T cgi-seconds] [-H header-seconds]\n");
	exit(EXIT_USAGE);
}

/* -i's names into H, replacing the last list (freed at exit). */
static void
split_commas(struct httpd *h, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	char **v = calloc(strlen(list) / 2 + 2, sizeof(*v));
	size_t n = 0;

	if (copy == NULL || v == NULL)
		exit(EXIT_TEMPORARY);
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (*t != '\0' && strchr(t, '/') == NULL)
			v[n++] = t;
	free(h->index_names);
	free(h->index_buf);
	h->index_names = v;
	h->index_buf = copy;
}

static long
number(const char *s, long max)
{
	const char *errstr = NULL;
	long v = (long)strtonum(s, 1, max, &errstr);

	if (errstr != NULL)
		usage();
	return v;
}

static void
options(struct httpd *h, int argc, char **argv)
{
	const char *root = NULL;
	int ch;

	split_commas(h, "index.html,index.htm");
	h->cgi_pattern = "*.cgi";
	h->mime_file = "/etc/mime.types";
	h->idle_timeout = 15;
	h->header_timeout = 20;
	h->cgi_timeout = 30;
	h->write_timeout = 60;
	h->body_max = 10L << 20;
	while ((ch = getopt(argc, argv, "b:c:H:i:m:n:r:t:T:")) != -1) {
		switch (ch) {
		case 'b':
			h->body_max = number(optarg, LONG_MAX);
			break;
		case 'c':
			h->cgi_pattern = optarg;
			break;
		case 'H':
			h->header_timeout = (int)number(optarg, 3600);
			break;
		case 'i':
			split_commas(h, optarg);
			break;
		case 'm':
			h->mime_file = optarg;
			break;
		case 'n':
			h->server_name = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 't':
			h->idle_timeout = (int)number(optarg, 3600);
			break;
		case 'T':
			h->cgi_timeout = (int)number(optarg, 3600);
			break;
		default:
			usage();
		}
	}
	if (root == NULL || optind != argc)
		usage();
	if ((h->root = http_root_open(root)) == NULL) {
		fprintf(stderr, "httpd: %s: %s\n", root, strerror(errno));
		exit(EXIT_USAGE);
	}
	h->remote_ip = getenv("TCPREMOTEIP");
	h->remote_port = getenv("TCPREMOTEPORT");
	h->local_ip = getenv("TCPLOCALIP");
	h->local_port = getenv("TCPLOCALPORT");
}

/* The request line, for the log, even when the request was refused. */
static void
first_line(const struct httpd *h, char *out, size_t size)
{
	size_t skip = 0, n = 0;

	/* The empty lines a request may follow (RFC 9112 2.2) are not it. */
	while (skip < h->in_len && (h->in[skip] == '\r' || h->in[skip] == '\n'))
		skip++;
	while (skip + n < h->in_len && n + 1 < size &&
	       h->in[skip + n] != '\n' && h->in[skip + n] != '\r')
		n++;
	memcpy(out, h->in + skip, n);
	out[n] = '\0';
}

/*
 * Wait for a whole request head: up to idle_timeout for its first byte,
 * then header_timeout in all (a slowloris cannot hold us longer).
 * Returns 0 with EX->req parsed, 1 to close quietly, or a status to send.
 */
static int
read_request(struct httpd *h, struct exchange *ex)
{
	long deadline = httpd_now_ms() + h->idle_timeout * 1000L;
	bool started = h->in_len > 0;

	if (started)
		deadline = httpd_now_ms() + h->header_timeout * 1000L;
	for (;;) {
		int rc = h->in_len > 0
		             ? http_parse_request(h->in, h->in_len, &ex->req)
		             : 1;
		if (rc != 1)
			return rc;
		int got = httpd_fill(h, deadline);
		if (got == 1 && !started) {
			started = true;
			deadline = httpd_now_ms() + h->header_timeout * 1000L;
		}
		if (got == 1)
			continue;
		if (got == 0 || h->in_len == 0)
			return 1;
		return errno == EAGAIN || errno == 0 ? 408 : 1;
	}
}

static int
handle(struct httpd *h, struct exchange *ex)
{
	struct http_request *req = &ex->req;

	ex->keep_alive = http_wants_keep_alive(req);
	ex->is_head = strcmp(req->method, "HEAD") == 0;
	if (req->minor >= 1 && http_header(req, "Host") == NULL)
		return httpd_send_error(h, ex, 400, NULL);
	/* Until a script's runner reads it all, a body closes the
	 * connection after the answer (resp_start says so). */
	ex->body_unread = req->content_length > 0 || req->is_chunked;
	return httpd_serve(h, ex);
}

/*
 * Closing with unread input makes the kernel send RST, which can destroy
 * the answer (a 413 to a large upload) before the client reads it.  So
 * send FIN, then drain what the client still sends, bounded in time.
 */
static void
linger(struct httpd *h)
{
	char buf[65536];
	long deadline = httpd_now_ms() + 2000;

	shutdown(1, SHUT_WR);
	h->in_len = 0;
	while (httpd_now_ms() < deadline) {
		struct pollfd pfd = {.fd = 0, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (read(0, buf, sizeof(buf)) <= 0)
			return;
	}
}

/*
 * Answer requests until the connection is done.  Returns whether what was
 * read so far ends at a request boundary: no body left behind.
 */
static bool
serve(struct httpd *h)
{
	for (;;) {
		struct exchange ex;
		char line[HTTPD_LOG_LINE]; /* all the log can show */
		memset(&ex, 0, sizeof(ex));
		errno = 0;
		int rc = read_request(h, &ex);
		if (rc == 1)
			return true;
		first_line(h, line, sizeof(line));
		if (rc != 0) {
			httpd_send_error(h, &ex, rc, NULL);
			httpd_log(h, &ex, line);
			return false;
		}
		httpd_consume(h, ex.req.head_len);
		rc = handle(h, &ex);
		httpd_log(h, &ex, line);
		http_request_free(&ex.req);
		free(ex.query);
		free(ex.redirect);
		if (rc == -1 || !ex.keep_alive || ex.body_unread)
			return !ex.body_unread;
	}
}

/*
 * The lingering wait protects an answer from the RST that unread input
 * causes.  With every byte read (the request, its body, nothing queued
 * behind) a plain close sends FIN and the wait buys nothing.
 */
static bool
must_linger(const struct httpd *h, bool clean)
{
	int queued = 0;

	return !clean || h->in_len > 0 || ioctl(0, FIONREAD, &queued) == -1 ||
	       queued > 0;
}

/* FIONBIO sets O_NONBLOCK and leaves the other flags as they are: one
 * system call where F_GETFL and F_SETFL take two. */
static void
set_nonblock(int fd)
{
	int on = 1;

	(void)ioctl(fd, FIONBIO, &on);
}

int
main(int argc, char **argv)
{
	struct httpd h;

	memset(&h, 0, sizeof(h));
	signal(SIGPIPE, SIG_IGN);
	options(&h, argc, argv);
	/* Timeouts are ours: never block on the client. */
	set_nonblock(0);
	set_nonblock(1);
	/* Responses are written whole (head, then body): Nagle would hold
	 * the body for the client's delayed ACK, 40 ms a request. */
	int one = 1;
	(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (must_linger(&h, serve(&h)))
		linger(&h);
	free(h.in);
	free(h.root);
	free(h.index_names);
	free(h.index_buf);
	return 0;
}
